import type { Request } from 'express';
import type { z } from 'zod';
import { WardenError } from '@warden/errors';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import type { EventStore } from '../event-store';
import { OwnershipCache } from './ownership-cache';
import { parseRequest, scalarHistogramRequest, taskEventsRequest, taskLogRequest, taskMetricsRequest } from './requests';

/** What the events service needs to know about tasks; the experiments service answers it. */
export interface TaskOwnership {
  /** The ids among `ids` that are tasks of `company`. */
  ownedTaskIds(company: string, ids: string[]): Promise<Set<string>>;
  /** Throws, as for an unknown task, unless `taskId` is a task of `company`. */
  assertTaskOwned(company: string, taskId: string): Promise<void>;
}

export interface EventEndpointDeps {
  store: EventStore;
  tasks: TaskOwnership;
  /** How long add_batch trusts a task it found owned (10 s by default); queries always ask. */
  ownershipTtlMs?: number;
}

export interface EventEndpoints {
  /** Call when a task is deleted, so add_batch stops taking its events at once. */
  forgetTask(company: string, taskId: string): void;
}

const companyOf = (auth: TokenAuth) => auth.claims.identity.company;

function workerOf(req: Request): string | undefined {
  return req.get('X-ClearML-Worker') ?? req.get('X-Trains-Worker');
}

/** The distinct task ids a batch names; the store rejects each event whose task is not owned. */
function taskIdsOf(items: Record<string, unknown>[]): string[] {
  const ids = new Set<string>();
  for (const item of items) if (typeof item.task === 'string') ids.add(item.task);
  return [...ids];
}

/**
 * ClearML's events.* calls the SDK makes. Every task is checked against the caller's company
 * first, so another company's task is answered exactly like a task that does not exist.
 */
export function registerEventEndpoints(api: ClearmlApi<TokenAuth>, deps: EventEndpointDeps): EventEndpoints {
  const { store, tasks } = deps;
  // The SDK sends a task's batches every few seconds; asking MongoDB for each one took add_batch
  // from ~0.7 to ~0.6 of the direct _bulk rate in `npm run bench events`.
  const batchOwnership = new OwnershipCache(tasks, deps.ownershipTtlMs ?? 10_000);

  api.endpoint('events.add_batch', { auth: 'token', body: 'json-lines' }, async ({ auth, items, req }) => {
    if (items.length === 0) throw new WardenError('ERR_BATCH_EMPTY');
    const company = companyOf(auth);
    const allowedTasks = await batchOwnership.ownedTaskIds(company, taskIdsOf(items));
    return store.addBatch(company, items, { allowedTasks, worker: workerOf(req) });
  });

  /** Checks a single-task request and that the task is the caller company's. */
  const ownedTaskRequest = async <S extends z.ZodType<{ task: string }>>(schema: S, auth: TokenAuth, data: Record<string, unknown>) => {
    const { task, ...opts } = parseRequest(schema, data);
    const company = companyOf(auth);
    await tasks.assertTaskOwned(company, task);
    return { company, task, opts };
  };

  api.endpoint('events.get_task_log', { auth: 'token', minVersion: '2.9' }, async ({ auth, data }) => {
    const { company, task, opts } = await ownedTaskRequest(taskLogRequest, auth, data);
    return store.getTaskLog(company, task, opts);
  });

  api.endpoint('events.get_task_events', { auth: 'token' }, async ({ auth, data }) => {
    const { company, task, opts } = await ownedTaskRequest(taskEventsRequest, auth, data);
    return store.getTaskEvents(company, task, opts);
  });

  api.endpoint('events.scalar_metrics_iter_histogram', { auth: 'token' }, async ({ auth, data }) => {
    const { company, task, opts } = await ownedTaskRequest(scalarHistogramRequest, auth, data);
    return store.scalarMetricsIterHistogram(company, task, opts);
  });

  api.endpoint('events.get_task_metrics', { auth: 'token' }, async ({ auth, data }) => {
    const request = parseRequest(taskMetricsRequest, data);
    const company = companyOf(auth);
    const owned = await tasks.ownedTaskIds(company, [...new Set(request.tasks)]);
    const missing = request.tasks.filter((t) => !owned.has(t));
    if (missing.length > 0) throw new WardenError('ERR_INVALID_TASK_ID', `invalid task id: ${missing.slice(0, 10).join(', ')}`, { ids: missing.slice(0, 100) });
    return store.getTaskMetrics(company, request.tasks, request.event_type);
  });

  return { forgetTask: (company, taskId) => batchOwnership.forget(company, taskId) };
}
