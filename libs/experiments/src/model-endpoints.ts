import { z } from 'zod';
import { WardenError } from '@warden/errors';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import { parseListRequest } from './field-filters';
import { anyOf, DELETED_PREFIX, listFilter, listPage, mustFind, type Context, type Identity } from './context';
import { newId, type ModelDoc } from './documents';
import { pick } from './query';
import { id, listFields, opt, parseRequest, text } from './request';
import { compact, fromStored, toStored, toStoredFields } from './stored-values';
import { assertOutputsWritable } from './task-status';
import { modelView } from './views';

const metadataItem = z.object({ key: z.string().min(1).max(1024), type: opt.text, value: opt.of(z.string()) });
const metadataMap = z.record(metadataItem);

// The model fields clients set (clearml-server's schema/services/models.conf).
const modelFields = {
  name: opt.text,
  comment: opt.text,
  tags: opt.tags,
  system_tags: opt.tags,
  framework: opt.text,
  design: opt.json,
  labels: opt.of(z.record(z.number().int())),
  ready: opt.flag,
  project: opt.id,
  parent: opt.id,
  task: opt.id,
  metadata: opt.of(metadataMap),
};
// public: a model is never shared with other companies here.
const createRequest = z.object({ ...modelFields, uri: text, name: text.min(1, 'must not be empty'), public: opt.ignored });
const editRequest = z.object({ model: id, ...modelFields, uri: opt.text, iteration: opt.int });
const updateRequest = z.object({ model: id, ...modelFields, created: opt.of(z.coerce.date()), ui_cache: opt.json, iteration: opt.int });
const getAllRequest = z.object({ ...listFields, user: opt.list, ready: opt.flag, project: opt.list, task: opt.list, framework: opt.list, uri: opt.list });
const deleteRequest = z.object({ model: id, force: opt.flag });
const metadataRequest = z.object({ model: id, metadata: z.array(metadataItem).max(1000), replace_metadata: opt.flag });
const updateForTaskRequest = z.object({
  task: id,
  uri: opt.text,
  name: opt.text,
  comment: opt.text,
  tags: opt.tags,
  system_tags: opt.tags,
  override_model_id: opt.id,
  iteration: opt.int,
});

type ModelFields = Partial<z.output<z.ZodObject<typeof modelFields>>> & { uri?: string; created?: Date; ui_cache?: Record<string, unknown> };

// Changing these is "the model changed" (clearml-server's last_update_fields).
const CONTENT_FIELDS = ['uri', 'framework', 'design', 'labels', 'ready', 'metadata', 'system_tags', 'tags'];
const OUTPUT_MODEL_NAME = 'Output Model';

/** models.* as Task.init and OutputModel use them. */
export function registerModelEndpoints(api: ClearmlApi<TokenAuth>, ctx: Context): void {
  const { models, tasks, projects } = ctx.db;
  const ownedModel = (company: string, modelId: string) => mustFind(models, company, modelId, 'ERR_INVALID_MODEL_ID', 'model');
  const ownedTask = (company: string, taskId: string) => mustFind(tasks, company, taskId, 'ERR_INVALID_TASK_ID', 'task');

  const assertReferences = async (company: string, fields: ModelFields) => {
    if (fields.project) await mustFind(projects, company, fields.project, 'ERR_INVALID_PROJECT_ID', 'project');
    if (fields.task) await ownedTask(company, fields.task);
    if (fields.parent) await ownedModel(company, fields.parent);
  };

  /** A model's iteration is its task's progress too. */
  const raiseTaskIteration = async (company: string, taskId: string | undefined, iteration: number | undefined) => {
    if (!taskId || iteration === undefined) return;
    await tasks.updateOne(
      { _id: taskId, company, $or: [{ last_iteration: { $lt: iteration } }, { last_iteration: { $exists: false } }] },
      { $set: { last_iteration: iteration } },
    );
  };

  const createModel = async (identity: Identity, fields: ModelFields & { name: string }) => {
    const now = new Date();
    const doc: ModelDoc = {
      _id: newId(),
      company: identity.company,
      user: identity.user,
      ready: false,
      ...toStoredFields(compact(fields)),
      created: now,
      last_update: now,
      last_change: now,
      last_changed_by: identity.user,
    };
    await models.create(doc);
    return doc._id;
  };

  const editModel = async (identity: Identity, model: ModelDoc, fields: ModelFields, iteration: number | undefined) => {
    await assertReferences(identity.company, fields);
    await raiseTaskIteration(identity.company, fields.task ?? model.task, iteration);
    const given = compact(fields);
    if (Object.keys(given).length === 0) return { updated: 0 };
    const now = new Date();
    const stamps = { last_change: now, last_changed_by: identity.user, ...(CONTENT_FIELDS.some((f) => f in given) && { last_update: now }) };
    const result = await models.updateOne({ _id: model._id, company: identity.company }, { $set: { ...toStoredFields(given), ...stamps } });
    return { updated: result.matchedCount, fields: fromStored({ ...given, ...stamps }) };
  };

  api.endpoint('models.create', { auth: 'token' }, async ({ auth, data }) => {
    const request = parseRequest(createRequest, data);
    await assertReferences(auth.claims.identity.company, request);
    return { id: await createModel(auth.claims.identity, request), created: true };
  });

  api.endpoint('models.get_by_id', { auth: 'token' }, async ({ auth, data }) => {
    const { model } = parseRequest(z.object({ model: id }), data);
    return { model: modelView(await ownedModel(auth.claims.identity.company, model)) };
  });

  api.endpoint('models.get_all', { auth: 'token' }, async ({ auth, data }) => {
    const { request, filters } = parseListRequest('models', getAllRequest, data);
    const extra = [
      ...(['user', 'project', 'task', 'framework', 'uri'] as const).flatMap((field) => anyOf(field, request[field])),
      ...(request.ready === undefined ? [] : [{ ready: request.ready }]),
      ...filters,
    ];
    const docs = await listPage(models, listFilter(auth.claims.identity.company, request, extra), request);
    return { models: docs.map((doc) => pick(modelView(doc), request.only_fields)) };
  });

  for (const [name, schema] of [
    ['models.edit', editRequest],
    ['models.update', updateRequest],
  ] as const) {
    api.endpoint(name, { auth: 'token' }, async ({ auth, data }) => {
      const { model: modelId, iteration, ...fields } = parseRequest(schema, data);
      const model = await ownedModel(auth.claims.identity.company, modelId);
      return editModel(auth.claims.identity, model, fields, iteration);
    });
  }

  api.endpoint('models.add_or_update_metadata', { auth: 'token', minVersion: '2.13' }, async ({ auth, data }) => {
    const { company, user } = auth.claims.identity;
    const request = parseRequest(metadataRequest, data);
    await ownedModel(company, request.model);
    const items = Object.fromEntries(request.metadata.map((item) => [item.key, compact(item)]));
    const stored = toStored(items, 'metadata');
    const set = request.replace_metadata ? { metadata: stored } : Object.fromEntries(Object.entries(stored).map(([key, item]) => [`metadata.${key}`, item]));
    const now = new Date();
    const result = await models.updateOne({ _id: request.model, company }, { $set: { ...set, last_update: now, last_change: now, last_changed_by: user } });
    return { updated: result.matchedCount };
  });

  api.endpoint('models.delete', { auth: 'token' }, async ({ auth, data }) => {
    const { company } = auth.claims.identity;
    const request = parseRequest(deleteRequest, data);
    const model = await ownedModel(company, request.model);
    const tombstone = `${DELETED_PREFIX}${model._id}`;
    const users = await tasks.find({ company, 'models.input.model': model._id }).lean();
    if (users.length && !request.force)
      throw new WardenError('ERR_MODEL_IN_USE', `model is the input of ${users.length} task(s); use force=true`, { num_tasks: users.length });
    for (const task of users) {
      const input = (task.models?.input ?? []).map((item) => (item.model === model._id ? { ...item, model: tombstone } : item));
      await tasks.updateOne({ _id: task._id, company }, { $set: { 'models.input': input } });
    }
    const creator = model.task ? await tasks.findOne({ _id: model.task, company }).lean() : null;
    if (creator) {
      const published = creator.status === 'published';
      if (published && !request.force) throw new WardenError('ERR_MODEL_CREATING_TASK_EXISTS', 'its task is published; use force=true', { task: creator._id });
      // A published task keeps a marked reference; any other simply loses the model.
      const output = (creator.models?.output ?? []).flatMap((item) => (item.model !== model._id ? [item] : published ? [{ ...item, model: tombstone }] : []));
      await tasks.updateOne({ _id: creator._id, company }, { $set: { 'models.output': output } });
    }
    const result = await models.deleteOne({ _id: model._id, company });
    return compact({ deleted: result.deletedCount > 0, url: model.uri });
  });

  // The pre-2.13 way a task reports its output model (newer SDKs call tasks.add_or_update_model).
  api.endpoint('models.update_for_task', { auth: 'token' }, async ({ auth, data }) => {
    const identity = auth.claims.identity;
    const { task: taskId, override_model_id: overrideId, iteration, ...fields } = parseRequest(updateForTaskRequest, data);
    if (!fields.uri === !overrideId) throw new WardenError('ERR_MISSING_FIELDS', 'exactly one of uri and override_model_id is required', { field: 'uri' });
    const task = await ownedTask(identity.company, taskId);
    assertOutputsWritable(task.status);
    let result: Record<string, unknown>;
    const current = task.models?.output?.at(-1)?.model;
    if (overrideId) {
      result = { id: (await ownedModel(identity.company, overrideId))._id, created: false };
    } else if (current) {
      result = { id: current, created: false, ...(await editModel(identity, await ownedModel(identity.company, current), fields, undefined)) };
    } else {
      const name = fields.name ?? task.name;
      const comment = fields.comment ?? `Created by task \`${task.name}\` (${task._id})`;
      result = { id: await createModel(identity, { ...fields, name, comment, task: task._id, project: task.project }), created: true };
    }
    const item = { name: OUTPUT_MODEL_NAME, model: result.id as string, updated: new Date() };
    await tasks.updateOne({ _id: task._id, company: identity.company }, { $set: { 'models.output': [item], last_update: item.updated } });
    await raiseTaskIteration(identity.company, task._id, iteration);
    return result;
  });
}
