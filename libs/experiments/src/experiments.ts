import type { Connection } from 'mongoose';
import type { RedisClientType } from 'redis';
import { WardenError } from '@warden/errors';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import type { Context } from './context';
import { ensureIndexes, experimentModels } from './documents';
import { registerHyperparamsEndpoints } from './hyperparams-endpoints';
import { registerModelEndpoints } from './model-endpoints';
import { registerModelLifecycleEndpoints } from './model-lifecycle-endpoints';
import { registerProjectEndpoints } from './project-endpoints';
import { registerQueueEndpoints } from './queue-endpoints';
import { registerTagEndpoints } from './tag-endpoints';
import { registerTaskEndpoints } from './task-endpoints';
import { registerTaskLifecycleEndpoints } from './task-lifecycle-endpoints';
import { registerTaskQueueEndpoints } from './task-queue-endpoints';
import { registerTaskRunEndpoints } from './task-run-endpoints';
import { registerWorkerEndpoints } from './worker-endpoints';
import { WorkerStore } from './worker-store';

export interface ExperimentDeps {
  connection: Connection;
  /** Deletes a deleted task's events (the events service's store). */
  onTaskDeleted?: (company: string, taskId: string) => Promise<void>;
  /** Where workers.* keep registered workers; without it those endpoints do not exist. */
  redis?: RedisClientType;
  /** Prefix of the workers' Redis keys ('warden:workers:' by default). */
  workerKeyPrefix?: string;
}

/** What other services (the events endpoints) ask about tasks. */
export interface Experiments {
  /** Which of these task ids exist in that company. */
  ownedTaskIds(company: string, ids: readonly string[]): Promise<Set<string>>;
  /** Throws ClearML's invalid task id error unless the task exists in that company. */
  assertTaskOwned(company: string, taskId: string): Promise<void>;
  /** Creates the collections' indexes; call once at startup. */
  ensureIndexes(): Promise<void>;
}

/** Registers ClearML's projects.*, tasks.*, models.* and queues.* (stored in MongoDB) and workers.* (in Redis) on the API. */
export function registerExperimentEndpoints(api: ClearmlApi<TokenAuth>, deps: ExperimentDeps): Experiments {
  const db = experimentModels(deps.connection);
  const { onTaskDeleted } = deps;
  const ctx: Context = {
    db,
    deleteTaskEvents: async (company, taskIds) => {
      if (onTaskDeleted) for (const taskId of taskIds) await onTaskDeleted(company, taskId);
    },
  };
  registerProjectEndpoints(api, ctx);
  registerTaskEndpoints(api, ctx);
  registerTaskRunEndpoints(api, ctx);
  registerHyperparamsEndpoints(api, ctx);
  registerTaskLifecycleEndpoints(api, ctx);
  registerModelEndpoints(api, ctx);
  registerModelLifecycleEndpoints(api, ctx);
  registerTagEndpoints(api, ctx);
  registerQueueEndpoints(api, ctx);
  const workers = deps.redis && new WorkerStore(deps.redis, deps.workerKeyPrefix);
  if (workers) registerWorkerEndpoints(api, ctx, workers);
  registerTaskQueueEndpoints(api, ctx, {
    queueWatched: workers && (async (company, queue) => (await workers.all(company)).some((w) => w.queues.includes(queue))),
  });

  const ownedTaskIds = async (company: string, ids: readonly string[]) => {
    const found = await db.tasks.find({ company, _id: { $in: [...new Set(ids)] } }, { _id: 1 }).lean();
    return new Set(found.map((task) => task._id));
  };
  return {
    ownedTaskIds,
    assertTaskOwned: async (company, taskId) => {
      if (!(await ownedTaskIds(company, [taskId])).has(taskId)) throw new WardenError('ERR_INVALID_TASK_ID', `task ${taskId} not found`, { id: taskId });
    },
    ensureIndexes: () => ensureIndexes(db),
  };
}
