import type { Connection } from 'mongoose';
import { WardenError } from '@warden/errors';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import type { Context } from './context';
import { ensureIndexes, experimentModels } from './documents';
import { registerHyperparamsEndpoints } from './hyperparams-endpoints';
import { registerModelEndpoints } from './model-endpoints';
import { registerModelLifecycleEndpoints } from './model-lifecycle-endpoints';
import { registerProjectEndpoints } from './project-endpoints';
import { registerTagEndpoints } from './tag-endpoints';
import { registerTaskEndpoints } from './task-endpoints';
import { registerTaskLifecycleEndpoints } from './task-lifecycle-endpoints';
import { registerTaskRunEndpoints } from './task-run-endpoints';

export interface ExperimentDeps {
  connection: Connection;
  /** Deletes a deleted task's events (the events service's store). */
  onTaskDeleted?: (company: string, taskId: string) => Promise<void>;
  /** Removes a task from every queue of its company (the queues service's store); without queues there is nothing to remove. */
  removeTaskFromQueues?: (company: string, taskId: string) => Promise<void>;
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

/** Registers ClearML's projects.*, tasks.* and models.* on the API, stored in MongoDB. */
export function registerExperimentEndpoints(api: ClearmlApi<TokenAuth>, deps: ExperimentDeps): Experiments {
  const db = experimentModels(deps.connection);
  const { onTaskDeleted, removeTaskFromQueues } = deps;
  const ctx: Context = {
    db,
    deleteTaskEvents: async (company, taskIds) => {
      if (onTaskDeleted) for (const taskId of taskIds) await onTaskDeleted(company, taskId);
    },
    removeFromQueues: async (company, taskId) => {
      if (removeTaskFromQueues) await removeTaskFromQueues(company, taskId);
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
