import { z } from 'zod';
import { WardenError } from '@warden/errors';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import { mustFind, type Context, type Identity } from './context';
import type { TaskDoc } from './documents';
import { id, opt, parseRequest } from './request';
import { compact, escapeKey, fromStored } from './stored-values';
import { assertUpdatable } from './task-status';

// Hyperparameters and configuration objects with clearml-server's semantics (bll/task/hyperparams.py):
// stored in the task's `hyperparams` (section → name → item) and `configuration` (name → item)
// under escaped keys, edited key by key, section by section or as a whole.

const MAX_ITEMS = 10_000;
const key = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(1024)
  .refine((text) => !text.includes('\0'), 'must not hold a NUL character');
const itemText = opt.of(z.string().max(64 * 1024));
// Values may be long (a configuration file); the request body limit bounds them.
const paramsItem = z.object({ section: key, name: key, value: z.string(), type: itemText, description: itemText });
const configurationItem = z.object({ name: key, value: z.string(), type: itemText, description: itemText });
const taskIds = z.array(id).min(1).max(MAX_ITEMS);

const getHyperParamsRequest = z.object({ tasks: taskIds });
const editHyperParamsRequest = z.object({
  task: id,
  hyperparams: z.array(paramsItem).min(1).max(MAX_ITEMS),
  replace_hyperparams: opt.of(z.enum(['none', 'section', 'all'])),
  force: opt.flag,
});
const deleteHyperParamsRequest = z.object({
  task: id,
  hyperparams: z
    // No name, or an empty one, deletes the whole section; any other name follows the rules of the names stored.
    .array(z.object({ section: key, name: opt.of(z.union([z.literal(''), key])) }))
    .min(1)
    .max(MAX_ITEMS),
  force: opt.flag,
});
const getConfigurationsRequest = z.object({ tasks: taskIds, names: opt.of(z.array(key).max(MAX_ITEMS)) });
const getConfigurationNamesRequest = z.object({ tasks: taskIds, skip_empty: opt.flag });
const editConfigurationRequest = z.object({
  task: id,
  configuration: z.array(configurationItem).min(1).max(MAX_ITEMS),
  replace_configuration: opt.flag,
  force: opt.flag,
});
const deleteConfigurationRequest = z.object({
  task: id,
  configuration: z.array(key).min(1).max(MAX_ITEMS),
  force: opt.flag,
});

// The one section a task's user may edit in any status (user properties, dataset properties).
const PROPERTIES = 'properties';

type Item = Record<string, unknown>;
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A stored section or configuration map as answered: items in key order, each naming its own keys. */
function hyperparamsList(stored: unknown): Item[] {
  const sections = (fromStored(stored ?? {}) ?? {}) as Record<string, Record<string, Item>>;
  const items = Object.entries(sections).flatMap(([section, params]) =>
    Object.entries(params ?? {}).map(([name, item]) => ({ ...item, section: item.section ?? section, name: item.name ?? name })),
  );
  return items.sort((a, b) => byText(String(a.section), String(b.section)) || byText(String(a.name), String(b.name)));
}

function configurationList(stored: unknown, names?: readonly string[]): Item[] {
  const items = (fromStored(stored ?? {}) ?? {}) as Record<string, Item>;
  const wanted = names?.length ? new Set(names) : undefined;
  return Object.entries(items)
    .filter(([name]) => !wanted || wanted.has(name))
    .map(([name, item]) => ({ ...item, name: item.name ?? name }))
    .sort((a, b) => byText(String(a.name), String(b.name)));
}

/** tasks.*_hyper_params and tasks.*_configuration(s). */
export function registerHyperparamsEndpoints(api: ClearmlApi<TokenAuth>, ctx: Context): void {
  const { tasks } = ctx.db;

  /** Every one of the tasks, in the caller's company, in request order; otherwise invalid task id (another company's task included). */
  const ownedTasks = async (company: string, ids: readonly string[], fields: string[]) => {
    const unique = [...new Set(ids)];
    const found = await tasks.find({ company, _id: { $in: unique } }, Object.fromEntries([...fields, '_id'].map((f) => [f, 1]))).lean<TaskDoc[]>();
    const byId = new Map(found.map((task) => [task._id, task]));
    const missing = unique.filter((taskId) => !byId.has(taskId));
    if (missing.length) throw new WardenError('ERR_INVALID_TASK_ID', `task ${missing[0]} not found`, { ids: missing.slice(0, 20) });
    return unique.map((taskId) => byId.get(taskId) as TaskDoc);
  };

  /**
   * Applies an edit to a task the status rules allow, conditioned on the status it was read with;
   * last_update moves unless only the `properties` section changed.
   */
  const updateTask = async (identity: Identity, taskId: string, force: boolean, update: { $set?: Item; $unset?: Item }, propertiesOnly = false) => {
    const task = await mustFind(tasks, identity.company, taskId, 'ERR_INVALID_TASK_ID', 'task');
    assertUpdatable(task.status, force, propertiesOnly);
    const now = new Date();
    const stamps = { last_change: now, last_changed_by: identity.user, ...(!propertiesOnly && { last_update: now }) };
    const result = await tasks.updateOne({ _id: task._id, company: identity.company, status: task.status }, { ...update, $set: { ...update.$set, ...stamps } });
    if (result.matchedCount === 0) {
      throw new WardenError('ERR_TASK_STATUS_CHANGED', `task ${task._id} changed status during the edit`, { task: task._id, current_status: task.status });
    }
    return result.matchedCount;
  };

  /** Sections named `properties` in any case are that section; true when it is the only one. */
  const normalizeSections = <T extends { section: string }>(items: T[]): boolean => {
    for (const item of items) if (item.section.toLowerCase() === PROPERTIES) item.section = PROPERTIES;
    return items.every((item) => item.section === PROPERTIES);
  };

  api.endpoint('tasks.get_hyper_params', { auth: 'token' }, async ({ auth, data }) => {
    const request = parseRequest(getHyperParamsRequest, data);
    const found = await ownedTasks(auth.claims.identity.company, request.tasks, ['hyperparams']);
    return { params: found.map((task) => ({ task: task._id, hyperparams: hyperparamsList(task.hyperparams) })) };
  });

  api.endpoint('tasks.edit_hyper_params', { auth: 'token' }, async ({ auth, data }) => {
    const request = parseRequest(editHyperParamsRequest, data);
    const propertiesOnly = normalizeSections(request.hyperparams);
    // Maps, not objects: a client-chosen name like `__proto__` must stay a plain key.
    const bySection = new Map<string, Map<string, Item>>();
    for (const item of request.hyperparams) {
      const section = escapeKey(item.section);
      bySection.set(section, (bySection.get(section) ?? new Map<string, Item>()).set(escapeKey(item.name), compact(item)));
    }
    const sections = Object.fromEntries([...bySection].map(([section, params]) => [section, Object.fromEntries(params)]));
    const set: Item = {};
    const replace = request.replace_hyperparams ?? 'none';
    if (replace === 'all') set.hyperparams = sections;
    for (const [section, params] of Object.entries(sections)) {
      if (replace === 'section') set[`hyperparams.${section}`] = params;
      if (replace === 'none') for (const [name, item] of Object.entries(params)) set[`hyperparams.${section}.${name}`] = item;
    }
    return { updated: await updateTask(auth.claims.identity, request.task, request.force ?? false, { $set: set }, propertiesOnly) };
  });

  api.endpoint('tasks.delete_hyper_params', { auth: 'token' }, async ({ auth, data }) => {
    const request = parseRequest(deleteHyperParamsRequest, data);
    const propertiesOnly = normalizeSections(request.hyperparams);
    // An item without a name deletes its whole section.
    const wholeSections = new Set(request.hyperparams.filter((item) => !item.name).map((item) => item.section));
    const unset: Item = Object.fromEntries([...wholeSections].map((section) => [`hyperparams.${escapeKey(section)}`, 1]));
    for (const item of request.hyperparams) {
      if (!item.name) continue;
      if (wholeSections.has(item.section)) {
        throw new WardenError('ERR_FIELDS_CONFLICT', `hyperparams: cannot delete ${item.section}/${item.name} and its whole section at once`, {
          field: 'hyperparams',
        });
      }
      unset[`hyperparams.${escapeKey(item.section)}.${escapeKey(item.name)}`] = 1;
    }
    return { deleted: await updateTask(auth.claims.identity, request.task, request.force ?? false, { $unset: unset }, propertiesOnly) };
  });

  api.endpoint('tasks.get_configurations', { auth: 'token' }, async ({ auth, data }) => {
    const request = parseRequest(getConfigurationsRequest, data);
    const found = await ownedTasks(auth.claims.identity.company, request.tasks, ['configuration']);
    return { configurations: found.map((task) => ({ task: task._id, configuration: configurationList(task.configuration, request.names) })) };
  });

  api.endpoint('tasks.get_configuration_names', { auth: 'token' }, async ({ auth, data }) => {
    const request = parseRequest(getConfigurationNamesRequest, data);
    const skipEmpty = request.skip_empty ?? true;
    // As clearml-server: no existence check, and a task without (non-empty) configuration items is left out.
    const found = await tasks
      .find({ company: auth.claims.identity.company, _id: { $in: [...new Set(request.tasks)] } }, { configuration: 1 })
      .lean<TaskDoc[]>();
    const configurations = found.flatMap((task) => {
      const names = configurationList(task.configuration)
        .filter((item) => !skipEmpty || (item.value !== undefined && item.value !== null && item.value !== ''))
        .map((item) => String(item.name));
      return names.length ? [{ task: task._id, names }] : [];
    });
    return { configurations };
  });

  api.endpoint('tasks.edit_configuration', { auth: 'token' }, async ({ auth, data }) => {
    const request = parseRequest(editConfigurationRequest, data);
    const items = Object.fromEntries(request.configuration.map((item) => [escapeKey(item.name), compact(item)]));
    const set: Item = request.replace_configuration
      ? { configuration: items }
      : Object.fromEntries(Object.entries(items).map(([name, item]) => [`configuration.${name}`, item]));
    return { updated: await updateTask(auth.claims.identity, request.task, request.force ?? false, { $set: set }) };
  });

  api.endpoint('tasks.delete_configuration', { auth: 'token' }, async ({ auth, data }) => {
    const request = parseRequest(deleteConfigurationRequest, data);
    const unset = Object.fromEntries(request.configuration.map((name) => [`configuration.${escapeKey(name)}`, 1]));
    return { deleted: await updateTask(auth.claims.identity, request.task, request.force ?? false, { $unset: unset }) };
  });
}
