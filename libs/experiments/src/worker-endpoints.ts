import { z } from 'zod';
import { WardenError } from '@warden/errors';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import { apiDate } from './api-date';
import type { Context, Identity } from './context';
import type { QueueDoc, TaskDoc } from './documents';
import { id, int, opt, parseRequest, tagList } from './request';
import { entriesOf } from './queues';
import type { WorkerEntry, WorkerStore } from './worker-store';
import { matchesWildcard } from './wildcard';

/** clearml-server's default_worker_timeout_sec; a worker may ask for up to a week. */
const DEFAULT_TIMEOUT_SEC = 600;
const MAX_TIMEOUT_SEC = 7 * 24 * 3600;

const workerId = z.string().min(1, 'must not be empty').max(1024);
const workerRequest = z.object({ worker: workerId });
// clearml-agent also names the queues it leaves; the entry goes whole, so they change nothing.
const unregisterRequest = workerRequest.extend({ queues: opt.of(z.array(id).max(100)) });
const registerRequest = z.object({
  worker: workerId,
  timeout: opt.of(int.pipe(z.number().min(0).max(MAX_TIMEOUT_SEC))),
  queues: opt.of(z.array(id).max(100)),
  tags: opt.tags,
  system_tags: opt.tags,
});
const statusReportRequest = z.object({
  worker: workerId,
  task: opt.id,
  queue: opt.id,
  queues: opt.of(z.array(id).max(100)),
  timestamp: opt.int,
  machine_stats: opt.json,
  tags: opt.tags,
  system_tags: opt.tags,
  // clearml-agent says whether its daemon or a task's own monitor reports; both update the one entry.
  is_daemon: opt.flag,
});
const MAX_RUNTIME_PROPERTIES = 100;
const runtimeProperty = z.object({ key: z.string().min(1).max(1024), value: z.string().max(1024), expiry: opt.int });
const setRuntimeRequest = z.object({ worker: workerId, runtime_properties: z.array(runtimeProperty).max(MAX_RUNTIME_PROPERTIES) });
const getAllRequest = z.object({
  last_seen: opt.of(int.pipe(z.number().min(0))),
  tags: opt.of(tagList),
  system_tags: opt.of(tagList),
  worker_pattern: opt.text,
});

/** workers.*: the agents that take tasks from queues, registered in Redis per company and user. */
export function registerWorkerEndpoints(api: ClearmlApi<TokenAuth>, ctx: Context, store: WorkerStore): void {
  const { queues, tasks, projects } = ctx.db;

  const assertQueuesOwned = async (company: string, ids: readonly string[]) => {
    const found = new Set((await queues.find({ company, _id: { $in: [...new Set(ids)] } }, { _id: 1 }).lean()).map((q) => q._id));
    const invalid = ids.filter((queueId) => !found.has(queueId));
    if (invalid.length) throw new WardenError('ERR_INVALID_QUEUE_ID', `queue ${invalid[0]} not found`, { ids: invalid });
  };

  /** A new worker entry, registered now. */
  const newEntry = (identity: Identity, worker: string, ip: string, fields: Partial<WorkerEntry> = {}): WorkerEntry => {
    const now = apiDate(new Date());
    return {
      id: worker,
      user: { id: identity.user, name: identity.user_name },
      company: { id: identity.company, name: identity.company_name },
      ip,
      queues: [],
      tags: [],
      system_tags: [],
      register_time: now,
      register_timeout: DEFAULT_TIMEOUT_SEC,
      last_activity_time: now,
      ...fields,
    };
  };

  api.endpoint('workers.register', { auth: 'token' }, async ({ auth, data, req }) => {
    const identity = auth.claims.identity;
    const request = parseRequest(registerRequest, data);
    await assertQueuesOwned(identity.company, request.queues ?? []);
    const entry = newEntry(identity, request.worker, req.ip ?? '', {
      queues: request.queues ?? [],
      tags: request.tags ?? [],
      system_tags: request.system_tags ?? [],
      ...(request.timeout && { register_timeout: request.timeout }),
    });
    await store.save(entry, true);
    return {};
  });

  api.endpoint('workers.unregister', { auth: 'token' }, async ({ auth, data }) => {
    const { company, user } = auth.claims.identity;
    const { worker } = parseRequest(unregisterRequest, data);
    // clearml-server's default (auto_unregister): a worker already gone is no error; agents unregister twice on exit.
    await store.remove(company, user, worker);
    return {};
  });

  api.endpoint('workers.status_report', { auth: 'token' }, async ({ auth, data, req }) => {
    const identity = auth.claims.identity;
    const request = parseRequest(statusReportRequest, data);
    // clearml-server's default (auto_register): an unknown worker's report registers it.
    const known = await store.get(identity.company, identity.user, request.worker);
    const entry = known ?? newEntry(identity, request.worker, req.ip ?? '');
    if (request.queues) await assertQueuesOwned(identity.company, request.queues);
    const now = new Date();
    const running = request.task ? await reportRunning(identity, request.task, request.worker, now) : {};
    const next: WorkerEntry = {
      ...entry,
      ip: req.ip ?? entry.ip,
      tags: request.tags ?? entry.tags,
      system_tags: request.system_tags ?? entry.system_tags,
      queue: request.queue,
      queues: request.queues ?? entry.queues,
      task: undefined,
      project: undefined,
      ...running,
      last_activity_time: apiDate(now),
      last_report_time: apiDate(now),
    };
    await store.save(next, !known);
    return {};
  });

  api.endpoint('workers.get_runtime_properties', { auth: 'token' }, async ({ auth, data }) => {
    const { company, user } = auth.claims.identity;
    const { worker } = parseRequest(workerRequest, data);
    return { runtime_properties: (await store.get(company, user, worker))?.runtime_properties ?? [] };
  });

  api.endpoint('workers.set_runtime_properties', { auth: 'token' }, async ({ auth, data, req }) => {
    const identity = auth.claims.identity;
    const request = parseRequest(setRuntimeRequest, data);
    const known = await store.get(identity.company, identity.user, request.worker);
    const entry = known ?? newEntry(identity, request.worker, req.ip ?? '');
    // Each key given replaces its earlier value; the others stay.
    const merged = new Map((entry.runtime_properties ?? []).map((p) => [p.key, p]));
    for (const property of request.runtime_properties) merged.set(property.key, property);
    if (merged.size > MAX_RUNTIME_PROPERTIES) {
      throw new WardenError('ERR_BAD_REQUEST', `a worker holds at most ${MAX_RUNTIME_PROPERTIES} runtime properties`, { field: 'runtime_properties' });
    }
    await store.save({ ...entry, runtime_properties: [...merged.values()] }, !known);
    return {};
  });

  /** Marks the task as run by this worker (tasks.stop then asks the worker to stop it); the task must be the caller's company's. */
  async function reportRunning(identity: Identity, taskId: string, worker: string, now: Date) {
    const stamps = { last_worker: worker, last_worker_report: now, last_update: now, last_change: now, last_changed_by: identity.user };
    // Read, then update: the MongoDB-wire test server answers findOneAndUpdate with a projection with a 500.
    const task = await tasks.findOne({ _id: taskId, company: identity.company }, { name: 1, project: 1 }).lean<TaskDoc>();
    if (!task) throw new WardenError('ERR_INVALID_TASK_ID', `task ${taskId} not found`, { id: taskId });
    await tasks.updateOne({ _id: taskId, company: identity.company }, { $set: stamps });
    const project = task.project ? await projects.findOne({ _id: task.project, company: identity.company }, { name: 1 }).lean() : null;
    return { task: { id: task._id, name: task.name }, project: project ? { id: project._id, name: project.name } : undefined };
  }

  api.endpoint('workers.get_all', { auth: 'token' }, async ({ auth, data }) => {
    const { company } = auth.claims.identity;
    const request = parseRequest(getAllRequest, data);
    const since = request.last_seen ? Date.now() - Math.max(1, request.last_seen) * 1000 : 0;
    const pattern = request.worker_pattern;
    const entries = (await store.all(company)).filter(
      (w) =>
        Date.parse(w.last_activity_time) >= since &&
        (!pattern || matchesWildcard(pattern, w.id)) &&
        hasTags(w.tags, request.tags) &&
        hasTags(w.system_tags, request.system_tags),
    );
    return { workers: await workerViews(company, entries) };
  });

  /** ClearML's worker answers: queues by id with their name, length and next task; the running task's progress. */
  async function workerViews(company: string, entries: WorkerEntry[]) {
    const queueIds = [...new Set(entries.flatMap((w) => [...w.queues, ...(w.queue ? [w.queue] : [])]))];
    const queueDocs = await queues.find({ company, _id: { $in: queueIds } }, { name: 1, display_name: 1 }).lean<QueueDoc[]>();
    const waitingByQueue = await entriesOf(ctx.db, company, queueIds);
    const taskIds = [
      ...new Set([
        ...entries.flatMap((w) => (w.task ? [w.task.id] : [])),
        ...[...waitingByQueue.values()].flatMap((list) => list.slice(0, 1).map((e) => e.task)),
      ]),
    ];
    const taskDocs = await tasks.find({ company, _id: { $in: taskIds } }, { name: 1, started: 1, last_iteration: 1 }).lean<TaskDoc[]>();
    const taskById = new Map(taskDocs.map((t) => [t._id, t]));
    const queueById = new Map(queueDocs.map((q) => [q._id, q]));
    const queueView = (queueId: string) => {
      const queue = queueById.get(queueId);
      if (!queue) return { id: queueId };
      const waiting = waitingByQueue.get(queueId) ?? [];
      const next = waiting[0]?.task;
      return {
        id: queueId,
        name: queue.name,
        display_name: queue.display_name,
        num_tasks: waiting.length,
        next_task: next && { id: next, name: taskById.get(next)?.name },
      };
    };
    return entries.map((w) => {
      const task = w.task && taskById.get(w.task.id);
      return {
        id: w.id,
        key: `worker_${w.company.id}_${w.user.id}_${w.id}`,
        user: w.user,
        company: w.company,
        ip: w.ip,
        register_time: w.register_time,
        last_activity_time: w.last_activity_time,
        last_report_time: w.last_report_time,
        tags: w.tags,
        system_tags: w.system_tags,
        project: w.project,
        queue: w.queue ? queueView(w.queue) : undefined,
        queues: w.queues.map(queueView),
        task: w.task && {
          ...w.task,
          running_time: task?.started ? Date.now() - new Date(task.started).getTime() : 0,
          last_iteration: task?.last_iteration,
        },
      };
    });
  }
}

/** ClearML's tag filter on workers: every listed tag present, `-tag` absent. */
function hasTags(have: readonly string[], wanted: readonly string[] | undefined): boolean {
  return (wanted ?? []).every((tag) => (tag.startsWith('-') ? !have.includes(tag.slice(1)) : have.includes(tag)));
}
