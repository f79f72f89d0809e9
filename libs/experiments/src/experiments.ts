import type { Connection, Model } from 'mongoose';
import type { RedisClientType } from 'redis';
import { WardenError } from '@warden/errors';
import type { ClearmlApi, EndpointHandler, EndpointOptions, TokenAuth } from '@warden/http';
import type { Context } from './context';
import { ensureIndexes, experimentModels } from './documents';
import { recordReport, type MetricsReport } from './entity-metrics';
import { registerHyperparamsEndpoints } from './hyperparams-endpoints';
import { MetricsWriter } from './metrics-writer';
import { registerModelEndpoints } from './model-endpoints';
import { registerModelLifecycleEndpoints } from './model-lifecycle-endpoints';
import { registerProjectEndpoints } from './project-endpoints';
import { registerQueueAdminEndpoints } from './queue-admin-endpoints';
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
  /** A task or model was just published: the events service stops taking its events at once. */
  onLocked?: (company: string, id: string) => void;
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
  /** Which of these model ids exist in that company. */
  ownedModelIds(company: string, ids: readonly string[]): Promise<Set<string>>;
  /** Which of these task ids exist in that company and are not locked (publishing or published): those that take events. */
  writableTaskIds(company: string, ids: readonly string[]): Promise<Set<string>>;
  /** Which of these model ids exist in that company and are drafts (a published, ready model is locked). */
  writableModelIds(company: string, ids: readonly string[]): Promise<Set<string>>;
  /** Throws ClearML's invalid model id error unless the model exists in that company. */
  assertModelOwned(company: string, modelId: string): Promise<void>;
  /**
   * What a batch of stored events says about the company's tasks and models: last_iteration (only
   * forward), last_metrics and last_update, one update per task or model. Ids it does not hold change nothing.
   */
  recordMetrics(company: string, user: string, reports: readonly MetricsReport[]): Promise<void>;
  /** Creates the collections' indexes; call once at startup. */
  ensureIndexes(): Promise<void>;
}

// The reads that answer last_iteration and last_metrics.
const METRICS_READS = new Set(['tasks.get_by_id', 'tasks.get_all', 'tasks.get_all_ex', 'models.get_by_id', 'models.get_all', 'models.get_by_task_id']);

/**
 * The API, with the reads of last_metrics waiting for the metrics updates of the caller's company
 * still in flight here: add_batch answers once Elasticsearch has the events and updates the task
 * after (a FerretDB update of 30 series took 80 ms, half the ingest rate), yet the SDK that flushed
 * its events and reloads its task in this process reads what they said.
 */
function readsAfterMetrics(api: ClearmlApi<TokenAuth>, settled: (company: string) => Promise<void>): ClearmlApi<TokenAuth> {
  return new Proxy(api, {
    get(target, property, receiver) {
      if (property !== 'endpoint') return Reflect.get(target, property, receiver);
      return (name: string, options: EndpointOptions, handler: EndpointHandler<TokenAuth>) =>
        target.endpoint(
          name,
          options,
          METRICS_READS.has(name)
            ? async (call) => {
                await settled(call.auth.claims.identity.company);
                return handler(call);
              }
            : handler,
        );
    },
  });
}

/** Registers ClearML's projects.*, tasks.*, models.* and queues.* (stored in MongoDB) and workers.* (in Redis) on the API. */
export function registerExperimentEndpoints(api: ClearmlApi<TokenAuth>, deps: ExperimentDeps): Experiments {
  const db = experimentModels(deps.connection);
  const { onTaskDeleted, onLocked } = deps;
  const ctx: Context = {
    db,
    deleteTaskEvents: async (company, taskIds) => {
      if (onTaskDeleted) for (const taskId of taskIds) await onTaskDeleted(company, taskId);
    },
    locked: (company, id) => onLocked?.(company, id),
  };
  const metricsWriter = new MetricsWriter((company, user, report) => recordReport(db, company, user, report));
  const reads = readsAfterMetrics(api, (company) => metricsWriter.settled(company));
  registerProjectEndpoints(api, ctx);
  registerTaskEndpoints(reads, ctx);
  registerTaskRunEndpoints(api, ctx);
  registerHyperparamsEndpoints(api, ctx);
  registerTaskLifecycleEndpoints(api, ctx);
  registerModelEndpoints(reads, ctx);
  registerModelLifecycleEndpoints(api, ctx);
  registerTagEndpoints(api, ctx);
  registerQueueEndpoints(api, ctx);
  registerQueueAdminEndpoints(api, ctx);
  const workers = deps.redis && new WorkerStore(deps.redis, deps.workerKeyPrefix);
  if (workers) registerWorkerEndpoints(api, ctx, workers);
  registerTaskQueueEndpoints(api, ctx, {
    queueWatched: workers && (async (company, queue) => (await workers.all(company)).some((w) => w.queues.includes(queue))),
  });

  const ownedIds =
    <T extends { _id: string }>(model: Model<T>, unlocked: Record<string, unknown> = {}) =>
    async (company: string, ids: readonly string[]) => {
      const found = await model.find({ company, _id: { $in: [...new Set(ids)] }, ...unlocked }, { _id: 1 }).lean<Array<{ _id: string }>>();
      return new Set(found.map((doc) => doc._id));
    };
  const ownedTaskIds = ownedIds(db.tasks);
  const ownedModelIds = ownedIds(db.models);
  return {
    ownedTaskIds,
    // clearml-server's LOCKED_TASK_STATUSES, and a ready model: events only with allow_locked.
    writableTaskIds: ownedIds(db.tasks, { status: { $nin: ['publishing', 'published'] } }),
    writableModelIds: ownedIds(db.models, { ready: { $ne: true } }),
    assertTaskOwned: async (company, taskId) => {
      if (!(await ownedTaskIds(company, [taskId])).has(taskId)) throw new WardenError('ERR_INVALID_TASK_ID', `task ${taskId} not found`, { id: taskId });
    },
    ownedModelIds,
    assertModelOwned: async (company, modelId) => {
      if (!(await ownedModelIds(company, [modelId])).has(modelId)) throw new WardenError('ERR_INVALID_MODEL_ID', `model ${modelId} not found`, { id: modelId });
    },
    recordMetrics: async (company, user, reports) => void (await Promise.all(reports.map((r) => metricsWriter.record(company, user, r)))),
    ensureIndexes: () => ensureIndexes(db),
  };
}
