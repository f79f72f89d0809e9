import { z } from 'zod';
import { WardenError } from '@warden/errors';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import { parseListRequest } from './field-filters';
import { ARCHIVED, assertModelsFound, DELETED_PREFIX, listFilter, listPage, mustFind, type Context } from './context';
import { newId, type TaskDoc } from './documents';
import { pick, tagFilter, type Filter } from './query';
import { removeFromAllQueues } from './queues';
import { id, json, listFields, opt, parseRequest } from './request';
import { compact, fromStored, toStored } from './stored-values';
import { editUpdate, storedTaskFields, taskFields, taskName, taskType, type TaskFields } from './task-fields';
import { assertEditable } from './task-status';
import { taskView } from './views';

const taskRequest = z.object({ task: id });
// Enterprise dataviews: the SDK sends `input` only to servers whose feature_set is not "basic", and Warden's is.
const createRequest = z.object({ ...taskFields, name: taskName, type: taskType, input: opt.ignored });
const editRequest = z.object({ task: id, force: opt.flag, ...taskFields, input: opt.ignored });
// task_types: how the SDK's DatasetTrigger names the type filter.
const getAllRequest = z.object({ ...listFields, user: opt.list, project: opt.list, status: opt.list, type: opt.list, task_types: opt.list, parent: opt.id });
const setRequirementsRequest = z.object({ task: id, requirements: json });
const deleteRequest = z.object({
  task: id,
  force: opt.flag,
  delete_output_models: opt.flag,
  // Warden keeps no external artifact files and no trash; a deleted task's status text goes with it.
  delete_external_artifacts: opt.ignored,
  move_to_trash: opt.ignored,
  return_file_urls: opt.ignored,
  status_reason: opt.ignored,
  status_message: opt.ignored,
});

// Fields whose change is not "the task changed" (clearml-server's user_set_allowed).
const COSMETIC = new Set(['name', 'comment', 'tags', 'system_tags', 'project']);

/** tasks.* except status changes and outputs: create, read, list, edit, delete. */
export function registerTaskEndpoints(api: ClearmlApi<TokenAuth>, ctx: Context): void {
  const { tasks, projects, models } = ctx.db;
  const ownedTask = (company: string, taskId: string) => mustFind(tasks, company, taskId, 'ERR_INVALID_TASK_ID', 'task');

  // References a client sets must point into its own company.
  const assertReferences = async (company: string, fields: TaskFields) => {
    if (fields.project) await mustFind(projects, company, fields.project, 'ERR_INVALID_PROJECT_ID', 'project');
    if (fields.parent) await ownedTask(company, fields.parent);
    // An input model is read by whoever runs the task; a deleted one's marked reference points at nothing.
    const inputs = fields.models?.input?.filter((item) => !item.model.startsWith(DELETED_PREFIX));
    if (inputs) await assertModelsFound(models, company, inputs);
  };

  api.endpoint('tasks.create', { auth: 'token' }, async ({ auth, data }) => {
    const { user, company } = auth.claims.identity;
    const request = parseRequest(createRequest, data);
    await assertReferences(company, request);
    const now = new Date();
    const doc = {
      _id: newId(),
      company,
      user,
      status: 'created',
      status_changed: now,
      created: now,
      last_update: now,
      last_change: now,
      last_changed_by: user,
      last_iteration: 0,
      ...storedTaskFields(request, now),
    };
    await tasks.create(doc);
    return { id: doc._id };
  });

  api.endpoint('tasks.get_by_id', { auth: 'token' }, async ({ auth, data }) => {
    const { task } = parseRequest(taskRequest, data);
    return { task: taskView(await ownedTask(auth.claims.identity.company, task)) };
  });

  api.endpoint('tasks.get_all', { auth: 'token' }, async ({ auth, data }) => {
    const { request, filters } = parseListRequest('tasks', getAllRequest, data);
    const extra: Filter[] = (['user', 'project', 'status', 'type'] as const).flatMap((field) => (request[field] ? [tagFilter(field, request[field])] : []));
    if (request.task_types) extra.push(tagFilter('type', request.task_types));
    if (request.parent) extra.push({ parent: request.parent });
    extra.push(...filters);
    const docs = await listPage(tasks, listFilter(auth.claims.identity.company, request, extra), request);
    return { tasks: docs.map((doc) => pick(taskView(doc), request.only_fields)) };
  });

  api.endpoint('tasks.edit', { auth: 'token' }, async ({ auth, data }) => {
    const { user, company } = auth.claims.identity;
    const { task: taskId, force, ...fields } = parseRequest(editRequest, data);
    const task = await ownedTask(company, taskId);
    assertEditable(task.status, force ?? false);
    await assertReferences(company, fields);
    const now = new Date();
    const set = editUpdate(storedTaskFields(fields, now));
    if (Object.keys(set).length === 0) return { updated: 0 };
    const touched = Object.keys(compact(fields)).some((field) => !COSMETIC.has(field));
    const stamps = { last_change: now, last_changed_by: user, ...(touched && { last_update: now }) };
    const result = await tasks.updateOne({ _id: taskId, company }, { $set: { ...set, ...stamps } });
    return { updated: result.matchedCount, fields: { ...compact(fields), ...(fromStored(stamps) as object) } };
  });

  api.endpoint('tasks.set_requirements', { auth: 'token' }, async ({ auth, data }) => {
    const { user, company } = auth.claims.identity;
    const { task, requirements } = parseRequest(setRequirementsRequest, data);
    const now = new Date();
    const result = await tasks.updateOne(
      { _id: task, company },
      { $set: { 'script.requirements': toStored(requirements, 'requirements'), last_change: now, last_changed_by: user, last_update: now } },
    );
    if (result.matchedCount === 0) throw new WardenError('ERR_INVALID_TASK_ID', `task ${task} not found`, { id: task });
    return { updated: 1, fields: { 'script.requirements': requirements } };
  });

  api.endpoint('tasks.ping', { auth: 'token' }, async ({ auth, data }) => {
    const { company } = auth.claims.identity;
    const { task } = parseRequest(taskRequest, data);
    const result = await tasks.updateOne({ _id: task, company }, { $set: { last_update: new Date() } });
    if (result.matchedCount === 0) throw new WardenError('ERR_INVALID_TASK_ID', `task ${task} not found`, { id: task });
    return {};
  });

  api.endpoint('tasks.delete', { auth: 'token' }, async ({ auth, data }) => {
    const { company } = auth.claims.identity;
    const request = parseRequest(deleteRequest, data);
    const task = await ownedTask(company, request.task);
    if (task.status !== 'created' && !task.system_tags?.includes(ARCHIVED) && !request.force) {
      throw new WardenError('ERR_TASK_CANNOT_BE_DELETED', `task status is ${task.status}; archive it first or use force=true`, {
        task: task._id,
        current: task.status,
        expected: 'created',
      });
    }
    const cleanup = await detachOutputs(task, request.delete_output_models ?? true);
    await ctx.deleteTaskEvents(company, [task._id]);
    // A deleted task leaves no queue entry behind for a worker to pull.
    await removeFromAllQueues(ctx.db, company, task._id);
    await tasks.deleteOne({ _id: task._id, company });
    return { deleted: true, ...cleanup };
  });

  // What outlives a deleted task: its children and published models keep a marked reference;
  // its draft output models go with it (clearml-server's cleanup_task).
  async function detachOutputs(task: TaskDoc, deleteDrafts: boolean) {
    const { company } = task;
    const tombstone = `${DELETED_PREFIX}${task._id}`;
    const outputIds = (task.models?.output ?? []).map((item) => item.model);
    const updatedChildren = await tasks.updateMany({ company, parent: task._id }, { $set: { parent: tombstone } });
    const outputs = { company, _id: { $in: outputIds } };
    const deletedModels = deleteDrafts ? (await models.deleteMany({ ...outputs, ready: false })).deletedCount : 0;
    const updatedModels = await models.updateMany({ ...outputs, task: task._id }, { $set: { task: tombstone } });
    return { updated_children: updatedChildren.modifiedCount, updated_models: updatedModels.modifiedCount, deleted_models: deletedModels };
  }
}
