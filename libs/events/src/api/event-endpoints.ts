import type { Request } from 'express';
import type { z } from 'zod';
import { WardenError } from '@warden/errors';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import type { EntityReport } from '../batch-stats';
import type { EventStore } from '../event-store';
import { OwnershipCache } from './ownership-cache';
import {
  debugImageSampleRequest,
  debugImagesRequest,
  nextSampleRequest,
  plotSampleRequest,
  latestScalarValuesRequest,
  parseRequest,
  scalarHistogramRequest,
  scalarMetricDataRequest,
  singleValueMetricsRequest,
  taskEventsRequest,
  taskLogRequest,
  taskMetricsRequest,
  metricsAndVariantsRequest,
  taskPlotsRequest,
} from './requests';

/** What the events service needs to know about tasks and models; the experiments service answers it. */
export interface TaskOwnership {
  /** The ids among `ids` that are tasks of `company`. */
  ownedTaskIds(company: string, ids: string[]): Promise<Set<string>>;
  /** Throws, as for an unknown task, unless `taskId` is a task of `company`. */
  assertTaskOwned(company: string, taskId: string): Promise<void>;
  /** The ids among `ids` that are models of `company`. */
  ownedModelIds(company: string, ids: string[]): Promise<Set<string>>;
  /** The ids among `ids` that are tasks of `company` not locked by publishing: those that take events without allow_locked. */
  writableTaskIds(company: string, ids: string[]): Promise<Set<string>>;
  /** The ids among `ids` that are draft (not ready) models of `company`. */
  writableModelIds(company: string, ids: string[]): Promise<Set<string>>;
  /** Throws, as for an unknown model, unless `modelId` is a model of `company`. */
  assertModelOwned(company: string, modelId: string): Promise<void>;
  /**
   * Moves each task's or model's last_iteration, last_metrics and last_update on by what a stored
   * batch says. Called without waiting: it must count the update as pending before it returns.
   */
  recordMetrics(company: string, user: string, reports: EntityReport[]): Promise<void>;
}

export interface EventEndpointDeps {
  store: EventStore;
  tasks: TaskOwnership;
  /** How long add_batch trusts a task it found owned (10 s by default); queries always ask. */
  ownershipTtlMs?: number;
}

export interface EventEndpoints {
  /** Call when a task is deleted or a task or model published, so add_batch stops taking its events at once. */
  forgetTask(company: string, id: string): void;
}

const companyOf = (auth: TokenAuth) => auth.claims.identity.company;

function workerOf(req: Request): string | undefined {
  return req.get('X-ClearML-Worker') ?? req.get('X-Trains-Worker');
}

interface EntityIds {
  tasks: string[];
  models: string[];
  /** The ids whose every event says allow_locked: true, as ClearML's UI sends for a published task. */
  lockedAllowed: Set<string>;
}

/** The distinct task and model ids a batch names; the store rejects each event whose task or model is not owned. */
function entityIdsOf(items: Record<string, unknown>[]): EntityIds {
  const tasks = new Set<string>();
  const models = new Set<string>();
  const lockedAllowed = new Set<string>();
  const lockedRefused = new Set<string>();
  for (const item of items) {
    const model = item.model_event === true;
    const id = model && item.model !== undefined ? item.model : item.task;
    if (typeof id !== 'string') continue;
    (model ? models : tasks).add(id);
    (item.allow_locked === true ? lockedAllowed : lockedRefused).add(id);
  }
  for (const id of lockedRefused) lockedAllowed.delete(id);
  return { tasks: [...tasks], models: [...models], lockedAllowed };
}

/**
 * ClearML's events.* calls the SDK makes. Every task is checked against the caller's company
 * first, so another company's task is answered exactly like a task that does not exist.
 */
export function registerEventEndpoints(api: ClearmlApi<TokenAuth>, deps: EventEndpointDeps): EventEndpoints {
  const { store, tasks } = deps;
  // The SDK sends a task's batches every few seconds; asking MongoDB for each one took add_batch
  // from ~0.7 to ~0.6 of the direct _bulk rate in `npm run bench events`.
  const ttl = deps.ownershipTtlMs ?? 10_000;
  // Without allow_locked (the SDK never sets it), a published task or ready model takes no events, as in
  // clearml-server. Being writable is remembered like ownership: forgetTask ends it when a task or model
  // is published here; one published on another replica may still take events for up to `ttl`.
  const cache = (lookup: (company: string, ids: string[]) => Promise<Set<string>>) => new OwnershipCache({ ownedTaskIds: lookup }, ttl);
  const taskCaches = { owned: cache((c, ids) => tasks.ownedTaskIds(c, ids)), writable: cache((c, ids) => tasks.writableTaskIds(c, ids)) };
  const modelCaches = { owned: cache((c, ids) => tasks.ownedModelIds(c, ids)), writable: cache((c, ids) => tasks.writableModelIds(c, ids)) };
  const owned = async (from: OwnershipCache, company: string, ids: string[]) => (ids.length === 0 ? new Set<string>() : from.ownedTaskIds(company, ids));
  const accepted = async (caches: typeof taskCaches, company: string, ids: string[], lockedAllowed: Set<string>) => {
    const [locked, unlocked] = await Promise.all([
      owned(
        caches.owned,
        company,
        ids.filter((id) => lockedAllowed.has(id)),
      ),
      owned(
        caches.writable,
        company,
        ids.filter((id) => !lockedAllowed.has(id)),
      ),
    ]);
    return new Set([...locked, ...unlocked]);
  };

  api.endpoint('events.add_batch', { auth: 'token', body: 'json-lines' }, async ({ auth, items, req }) => {
    if (items.length === 0) throw new WardenError('ERR_BATCH_EMPTY');
    const company = companyOf(auth);
    const ids = entityIdsOf(items);
    const [allowedTasks, allowedModels] = await Promise.all([
      accepted(taskCaches, company, ids.tasks, ids.lockedAllowed),
      accepted(modelCaches, company, ids.models, ids.lockedAllowed),
    ]);
    const { result, reports } = await store.ingest(company, items, { allowedTasks, allowedModels, worker: workerOf(req) });
    // The events are the record: the answer does not wait for the summary update (it would halve
    // the ingest rate on FerretDB; the experiments service makes its task reads wait for it), and a
    // failed update must not make the SDK resend, as a 5xx would. It is logged instead; the next
    // batch's $max/$min catch last_iteration and the extremes up, only that batch's counts stay missing.
    void tasks.recordMetrics(company, auth.claims.identity.user, reports).catch((error: unknown) => {
      req.log?.warn({ err: error, tasks: reports.length }, 'events stored, but last_metrics not updated');
    });
    return result;
  });

  /**
   * Checks a single-task request and that the task (or with model_events, the model) is the caller
   * company's. Events are stored under their task's or model's id, and add_batch takes a model's
   * events only for that company's model ids and a task's only for its task ids; ids are random
   * uuids, never both, so the id alone selects the right events.
   */
  const ownedTaskRequest = async <S extends z.ZodType<{ task: string; model_events?: boolean }>>(schema: S, auth: TokenAuth, data: Record<string, unknown>) => {
    const { task, model_events: modelEvents, ...opts } = parseRequest(schema, data);
    const company = companyOf(auth);
    await (modelEvents ? tasks.assertModelOwned(company, task) : tasks.assertTaskOwned(company, task));
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

  /** Every id must be a task (or with modelEvents, a model) of the company, else all is refused as for unknown ids. */
  const assertAllOwned = async (company: string, requested: string[], modelEvents: boolean | undefined) => {
    const ids = [...new Set(requested)];
    const owned = await (modelEvents ? tasks.ownedModelIds(company, ids) : tasks.ownedTaskIds(company, ids));
    const missing = ids.filter((t) => !owned.has(t));
    if (missing.length === 0) return;
    const [code, what] = modelEvents ? (['ERR_INVALID_MODEL_ID', 'model'] as const) : (['ERR_INVALID_TASK_ID', 'task'] as const);
    throw new WardenError(code, `invalid ${what} id: ${missing.slice(0, 10).join(', ')}`, { ids: missing.slice(0, 100) });
  };

  api.endpoint('events.get_task_metrics', { auth: 'token' }, async ({ auth, data }) => {
    const request = parseRequest(taskMetricsRequest, data);
    const company = companyOf(auth);
    await assertAllOwned(company, request.tasks, request.model_events);
    return store.getTaskMetrics(company, request.tasks, request.event_type);
  });

  api.endpoint('events.get_scalar_metrics_and_variants', { auth: 'token' }, async ({ auth, data }) => {
    const { company, task } = await ownedTaskRequest(metricsAndVariantsRequest, auth, data);
    return store.getScalarMetricsAndVariants(company, task);
  });

  api.endpoint('events.get_task_plots', { auth: 'token' }, async ({ auth, data }) => {
    const { company, task, opts } = await ownedTaskRequest(taskPlotsRequest, auth, data);
    return store.getTaskPlots(company, task, opts);
  });

  api.endpoint('events.debug_images', { auth: 'token' }, async ({ auth, data }) => {
    const { metrics, task, model_events: modelEvents, ...opts } = parseRequest(debugImagesRequest, data);
    const company = companyOf(auth);
    if (metrics) {
      await assertAllOwned(
        company,
        metrics.map((m) => m.task),
        modelEvents,
      );
      return store.debugImages(company, metrics, opts);
    }
    if (task === undefined) throw new WardenError('ERR_BAD_REQUEST', 'metrics: Required', { field: 'metrics' });
    // 2.1's form: one task's images of its latest iterations, as one flat list.
    await assertAllOwned(company, [task], modelEvents);
    const page = await store.debugImages(company, [{ task }], opts);
    const images = page.metrics[0].iterations.flatMap((i) => i.events);
    return { task, images, returned: images.length, total: images.length, scroll_id: page.scroll_id };
  });

  api.endpoint('events.get_task_single_value_metrics', { auth: 'token', minVersion: '2.20' }, async ({ auth, data }) => {
    const request = parseRequest(singleValueMetricsRequest, data);
    const company = companyOf(auth);
    await assertAllOwned(company, request.tasks, request.model_events);
    return store.getSingleValueMetrics(company, request.tasks, request.metrics);
  });

  api.endpoint('events.get_scalar_metric_data', { auth: 'token' }, async ({ auth, data }) => {
    const { company, task, opts } = await ownedTaskRequest(scalarMetricDataRequest, auth, data);
    const page = await store.getTaskEvents(company, task, {
      event_type: 'training_stats_scalar',
      metrics: [{ metric: opts.metric }],
      scroll_id: opts.scroll_id,
      batch_size: 10_000,
    });
    return { events: page.events, returned: page.returned, total: page.total, scroll_id: page.scroll_id };
  });

  api.endpoint('events.get_task_latest_scalar_values', { auth: 'token' }, async ({ auth, data }) => {
    const { company, task } = await ownedTaskRequest(latestScalarValuesRequest, auth, data);
    return store.getLatestScalarValues(company, task);
  });

  for (const [kind, name, request] of [
    ['image', 'debug_image', debugImageSampleRequest],
    ['plot', 'plot', plotSampleRequest],
  ] as const) {
    api.endpoint(`events.get_${name}_sample`, { auth: 'token', minVersion: kind === 'image' ? '2.12' : '2.20' }, async ({ auth, data }) => {
      const { company, task, opts } = await ownedTaskRequest(request, auth, data);
      return store.getSample(company, kind, task, opts);
    });
    api.endpoint(`events.next_${name}_sample`, { auth: 'token', minVersion: kind === 'image' ? '2.12' : '2.20' }, async ({ auth, data }) => {
      const { company, task, opts } = await ownedTaskRequest(nextSampleRequest, auth, data);
      return store.nextSample(company, kind, task, opts);
    });
  }

  return {
    forgetTask: (company, id) => {
      for (const remembered of [taskCaches, modelCaches]) {
        remembered.owned.forget(company, id);
        remembered.writable.forget(company, id);
      }
    },
  };
}
