import { z } from 'zod';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import { mustFind, type Context, type Identity } from './context';
import type { TaskDoc, TaskModelItem } from './documents';
import { id, opt, parseRequest } from './request';
import { changeTaskStatus } from './status-change';
import { toStored } from './stored-values';
import { artifactId, artifactIdSchema, artifactSchema } from './task-fields';
import { assertOutputsWritable, type TaskStatus } from './task-status';

const statusRequest = z.object({ task: id, force: opt.flag, status_reason: opt.text, status_message: opt.text });
// force: artifacts change while a task is created or running, forced or not (assertOutputsWritable).
const artifactsRequest = z.object({ task: id, artifacts: z.array(artifactSchema).max(1000), force: opt.ignored });
const deleteArtifactsRequest = z.object({ task: id, artifacts: z.array(artifactIdSchema).max(1000), force: opt.ignored });
const modelType = z.enum(['input', 'output']);
const addModelRequest = z.object({ task: id, name: z.string().min(1).max(1024), model: id, type: modelType, iteration: opt.int });
const deleteModelsRequest = z.object({ task: id, models: z.array(z.object({ name: z.string(), type: modelType })).max(1000) });

type StatusRequest = z.output<typeof statusRequest>;

/** tasks.* that a running task's SDK sends: status changes, artifacts and model links. */
export function registerTaskRunEndpoints(api: ClearmlApi<TokenAuth>, ctx: Context): void {
  const { tasks, models } = ctx.db;
  const ownedTask = (company: string, taskId: string) => mustFind(tasks, company, taskId, 'ERR_INVALID_TASK_ID', 'task');

  /** Moves a task to `next`; `extra` adds fields computed from the task as read. */
  async function changeStatus(
    identity: Identity,
    request: StatusRequest,
    next: TaskStatus,
    extra: (task: TaskDoc, now: Date) => Partial<TaskDoc> = () => ({}),
  ) {
    const task = await ownedTask(identity.company, request.task);
    const { force, status_reason, status_message } = request;
    return changeTaskStatus(tasks, identity, task, next, { force, status_reason, status_message, set: extra(task, new Date()) });
  }

  const statusEndpoint = (name: string, next: TaskStatus, extra?: (task: TaskDoc, now: Date) => Partial<TaskDoc>) =>
    api.endpoint(name, { auth: 'token' }, ({ auth, data }) => changeStatus(auth.claims.identity, parseRequest(statusRequest, data), next, extra));

  api.endpoint('tasks.started', { auth: 'token' }, async ({ auth, data }) => {
    // A restarted task keeps its first start time.
    const result = await changeStatus(auth.claims.identity, parseRequest(statusRequest, data), 'in_progress', (task, now) =>
      task.started ? {} : { started: now },
    );
    return { ...result, started: result.updated };
  });
  statusEndpoint('tasks.stopped', 'stopped', (_task, now) => ({ completed: now }));
  statusEndpoint('tasks.failed', 'failed');

  const writableTask = async (company: string, taskId: string) => {
    const task = await ownedTask(company, taskId);
    assertOutputsWritable(task.status);
    return task;
  };
  const stamps = (identity: Identity) => {
    const now = new Date();
    return { last_update: now, last_change: now, last_changed_by: identity.user };
  };

  api.endpoint('tasks.add_or_update_artifacts', { auth: 'token' }, async ({ auth, data }) => {
    const identity = auth.claims.identity;
    const request = parseRequest(artifactsRequest, data);
    const task = await writableTask(identity.company, request.task);
    // One field per key and mode: the SDK resends the whole list, and each entry replaces its own.
    const set = Object.fromEntries(request.artifacts.map((a) => [`execution.artifacts.${artifactId(a)}`, toStored(a, 'artifacts')]));
    const result = await tasks.updateOne({ _id: task._id, company: identity.company }, { $set: { ...set, ...stamps(identity) } });
    return { updated: result.matchedCount };
  });

  api.endpoint('tasks.delete_artifacts', { auth: 'token' }, async ({ auth, data }) => {
    const identity = auth.claims.identity;
    const request = parseRequest(deleteArtifactsRequest, data);
    const task = await writableTask(identity.company, request.task);
    const unset = Object.fromEntries(request.artifacts.map((a) => [`execution.artifacts.${artifactId(a)}`, 1]));
    const result = await tasks.updateOne({ _id: task._id, company: identity.company }, { $unset: unset, $set: stamps(identity) });
    return { deleted: result.matchedCount };
  });

  api.endpoint('tasks.add_or_update_model', { auth: 'token', minVersion: '2.13' }, async ({ auth, data }) => {
    const identity = auth.claims.identity;
    const request = parseRequest(addModelRequest, data);
    const task = await writableTask(identity.company, request.task);
    await mustFind(models, identity.company, request.model, 'ERR_INVALID_MODEL_ID', 'model');
    const items = task.models?.[request.type] ?? [];
    const item: TaskModelItem = { name: request.name, model: request.model, updated: new Date() };
    const next = items.some((m) => m.name === request.name) ? items.map((m) => (m.name === request.name ? item : m)) : [...items, item];
    const iteration = request.iteration !== undefined && request.iteration > (task.last_iteration ?? 0) ? { last_iteration: request.iteration } : {};
    const result = await tasks.updateOne(
      { _id: task._id, company: identity.company },
      { $set: { [`models.${request.type}`]: next, ...iteration, ...stamps(identity) } },
    );
    return { updated: result.matchedCount };
  });

  api.endpoint('tasks.delete_models', { auth: 'token', minVersion: '2.13' }, async ({ auth, data }) => {
    const identity = auth.claims.identity;
    const request = parseRequest(deleteModelsRequest, data);
    const task = await writableTask(identity.company, request.task);
    const set: Record<string, unknown> = stamps(identity);
    for (const type of modelType.options) {
      const names = new Set(request.models.filter((m) => m.type === type).map((m) => m.name));
      if (names.size) set[`models.${type}`] = (task.models?.[type] ?? []).filter((m) => !names.has(m.name));
    }
    const result = await tasks.updateOne({ _id: task._id, company: identity.company }, { $set: set });
    return { updated: result.matchedCount };
  });
}
