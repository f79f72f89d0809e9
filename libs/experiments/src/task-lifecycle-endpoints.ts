import { z } from 'zod';
import { WardenError } from '@warden/errors';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import { archiveTask, unarchiveTask, type ArchiveOptions } from './archiving';
import { batchIds, runBatch } from './batch';
import { mustFind, type Context, type Identity } from './context';
import type { TaskDoc } from './documents';
import { findOrCreateProject } from './projects';
import { publishTask } from './publishing';
import { id, opt, parseRequest } from './request';
import { cloneRequest, cloneTask } from './task-clone';
import { changeTaskStatus } from './status-change';

const statusChange = { force: opt.flag, status_reason: opt.text, status_message: opt.text };
const publishRequest = z.object({ task: id, ...statusChange, publish_model: opt.flag });
const publishManyRequest = z.object({ ids: batchIds, ...statusChange, publish_model: opt.flag });
const completedRequest = z.object({ task: id, ...statusChange, publish: opt.flag });
const archiveFields = { status_reason: opt.text, status_message: opt.text, include_pipeline_steps: opt.flag };
const archiveRequest = z.object({ tasks: batchIds, ...archiveFields });
const archiveManyRequest = z.object({ ids: batchIds, ...archiveFields });
// `project: null` is the root project; leaving it out needs a project_name.
const moveRequest = z.object({ ids: batchIds, project: id.nullable().optional(), project_name: opt.text });

/** Every task of these ids in the caller's company, or ClearML's invalid task id error naming the missing ones. */
async function ownedTasks(ctx: Context, company: string, ids: readonly string[]): Promise<TaskDoc[]> {
  const unique = [...new Set(ids)];
  const found = await ctx.db.tasks.find({ company, _id: { $in: unique } }).lean<TaskDoc[]>();
  const missing = unique.filter((taskId) => !found.some((task) => task._id === taskId));
  if (missing.length > 0) throw new WardenError('ERR_INVALID_TASK_ID', `task(s) not found: ${missing.join(', ')}`, { ids: missing });
  return unique.map((taskId) => found.find((task) => task._id === taskId) as TaskDoc);
}

/** tasks.* that move a task through its life: clone, publish, complete, archive, move. */
export function registerTaskLifecycleEndpoints(api: ClearmlApi<TokenAuth>, ctx: Context): void {
  const { tasks } = ctx.db;
  const ownedTask = (company: string, taskId: string) => mustFind(tasks, company, taskId, 'ERR_INVALID_TASK_ID', 'task');

  api.endpoint('tasks.clone', { auth: 'token' }, ({ auth, data }) => cloneTask(ctx, auth.claims.identity, parseRequest(cloneRequest, data)));

  // The output model is published with the task unless publish_model is false.
  const publish = (identity: Identity, taskId: string, request: z.output<typeof publishRequest> | z.output<typeof publishManyRequest>) =>
    publishTask(ctx, identity, taskId, { ...request, publishModel: request.publish_model ?? true });

  api.endpoint('tasks.publish', { auth: 'token' }, ({ auth, data }) => {
    const request = parseRequest(publishRequest, data);
    return publish(auth.claims.identity, request.task, request);
  });

  api.endpoint('tasks.publish_many', { auth: 'token', minVersion: '2.13' }, ({ auth, data }) => {
    const request = parseRequest(publishManyRequest, data);
    return runBatch(request.ids, (taskId) => publish(auth.claims.identity, taskId, request));
  });

  api.endpoint('tasks.completed', { auth: 'token' }, async ({ auth, data }) => {
    const identity = auth.claims.identity;
    const request = parseRequest(completedRequest, data);
    const task = await ownedTask(identity.company, request.task);
    const { force, status_reason, status_message } = request;
    const completed = await changeTaskStatus(tasks, identity, task, 'completed', { force, status_reason, status_message, set: { completed: new Date() } });
    if (!request.publish) return { ...completed, published: 0 };
    const published = await publishTask(ctx, identity, task._id, { ...request, publishModel: true });
    return { ...completed, fields: { ...completed.fields, status: published.fields.status }, published: published.updated };
  });

  api.endpoint('tasks.archive', { auth: 'token', minVersion: '2.12' }, async ({ auth, data }) => {
    const identity = auth.claims.identity;
    const request = parseRequest(archiveRequest, data);
    let archived = 0;
    for (const task of await ownedTasks(ctx, identity.company, request.tasks)) archived += await archiveTask(ctx, identity, task, request);
    return { archived };
  });

  const tagMany = (name: string, tagging: typeof archiveTask, answer: 'archived' | 'unarchived') =>
    api.endpoint(name, { auth: 'token', minVersion: '2.13' }, ({ auth, data }) => {
      const identity = auth.claims.identity;
      const request: ArchiveOptions & { ids: string[] } = parseRequest(archiveManyRequest, data);
      return runBatch(request.ids, async (taskId) => ({ [answer]: (await tagging(ctx, identity, await ownedTask(identity.company, taskId), request)) > 0 }));
    });
  tagMany('tasks.archive_many', archiveTask, 'archived');
  tagMany('tasks.unarchive_many', unarchiveTask, 'unarchived');

  api.endpoint('tasks.move', { auth: 'token', minVersion: '2.12' }, async ({ auth, data }) => {
    const identity = auth.claims.identity;
    const { company, user } = identity;
    const request = parseRequest(moveRequest, data);
    if (request.project === undefined && !request.project_name) {
      throw new WardenError('ERR_MISSING_FIELDS', 'project or project_name is required', { field: 'project' });
    }
    const ids = (await ownedTasks(ctx, company, request.ids)).map((task) => task._id);
    let project: string | undefined;
    if (request.project) project = (await mustFind(ctx.db.projects, company, request.project, 'ERR_INVALID_PROJECT_ID', 'project'))._id;
    else if (request.project_name) project = await findOrCreateProject(ctx.db, identity, request.project_name);
    const stamps = { last_change: new Date(), last_changed_by: user };
    const update = project ? { $set: { project, ...stamps } } : { $set: stamps, $unset: { project: 1 } };
    await tasks.updateMany({ company, _id: { $in: ids } }, update);
    return { project_id: project ?? null };
  });
}
