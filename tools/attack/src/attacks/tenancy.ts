// Cross-tenant access by id: tenant A's tokens on tenant B's projects, tasks, models, events, files,
// users and credentials. Another tenant's object must be answered exactly like a missing one, and no
// answer may hold any of B's ids or data. B's objects are checked intact afterwards.
import { setTimeout as delay } from 'node:timers/promises';
import { basic, bearer, call, send } from '../http';
import type { Expect } from '../report';
import { upload, type World } from '../world';

const bad = (code: string): Expect => ({ status: 400, code });
const OK: Expect = { status: 200 };

export async function tenancyAttacks(w: World): Promise<void> {
  w.report.section('cross-tenant');
  const { stack, report, objectsA: oa, objectsB: ob } = w;
  const token = w.a.user.token;
  const foreign = w.foreignToA;
  const api = async (name: string, expect: Expect, endpoint: string, data: object, as = token) =>
    report.answer(`${endpoint} ${name}`, expect, await call(stack.api, endpoint, as, data), foreign);

  // A batch call answers 200 and must list the foreign id under `failed`, as ClearML's invalid id, and nothing under `succeeded`.
  const batchRefused = async (endpoint: string, id: string, subcode: number) => {
    const a = await call(stack.api, endpoint, token, { ids: [id] });
    const data = a.json?.data as { succeeded?: unknown[]; failed?: { id: string; error: { codes: number[] } }[] } | undefined;
    const refused =
      a.status === 200 && data?.succeeded?.length === 0 && data.failed?.[0]?.id === id && data.failed[0].error.codes.join('/') === `400/${subcode}`;
    report.effect(
      `${endpoint} B's id`,
      `200, failed 400/${subcode}`,
      `${a.status}, ${JSON.stringify(data?.failed?.[0]?.error?.codes ?? data)}`,
      refused,
      true,
      a.status >= 500,
    );
    if (a.status === 200) report.answer(`${endpoint} B's id: answer`, OK, a, foreign);
  };

  const project = bad('ERR_INVALID_PROJECT_ID');
  await api("B's project", project, 'projects.get_by_id', { project: ob.project });
  await api("B's project", project, 'projects.update', { project: ob.project, description: 'owned' });
  await api("B's project", project, 'projects.delete', { project: ob.project, force: true, delete_contents: true });
  await api("id filter with B's project", OK, 'projects.get_all', { id: [ob.project] });
  await api('without filters', OK, 'projects.get_all', { search_hidden: true });

  const task = bad('ERR_INVALID_TASK_ID');
  await api("B's task", task, 'tasks.get_by_id', { task: ob.task });
  await api("B's task", task, 'tasks.edit', { task: ob.task, comment: 'owned' });
  await api("B's task", task, 'tasks.set_requirements', { task: ob.task, requirements: { pip: 'evil==1' } });
  await api("B's task", task, 'tasks.ping', { task: ob.task });
  for (const endpoint of ['tasks.started', 'tasks.stopped', 'tasks.failed', 'tasks.completed'])
    await api("B's task", task, endpoint, { task: ob.task, force: true });
  await api("B's task", task, 'tasks.add_or_update_artifacts', { task: ob.task, artifacts: [{ key: 'evil', type: 'str', uri: 'http://evil.example/x' }] });
  await api("B's task", task, 'tasks.delete_artifacts', { task: ob.task, artifacts: [{ key: 'evil' }] });
  await api("B's task", task, 'tasks.add_or_update_model', { task: ob.task, name: 'evil', model: oa.model, type: 'output' });
  await api("B's task", task, 'tasks.delete_models', { task: ob.task, models: [{ name: 'victim', type: 'output' }] });
  await api("B's task", task, 'tasks.delete', { task: ob.task, force: true });
  await api("id filter with B's task", OK, 'tasks.get_all', { id: [ob.task] });
  await api("project filter with B's project", OK, 'tasks.get_all', { project: [ob.project] });
  await api("in B's project", project, 'tasks.create', { name: 'intruder', type: 'training', project: ob.project });
  await api("with B's task as parent", task, 'tasks.create', { name: 'intruder', type: 'training', parent: ob.task });
  await api("moving A's task into B's project", project, 'tasks.edit', { task: oa.task, project: ob.project });
  await api("A's task with B's model", bad('ERR_INVALID_MODEL_ID'), 'tasks.add_or_update_model', {
    task: oa.task,
    name: 'stolen',
    model: ob.model,
    type: 'input',
  });
  const stolenInput = { models: { input: [{ name: 'stolen', model: ob.model }] } };
  await api("with B's model as input", bad('ERR_INVALID_MODEL_ID'), 'tasks.create', { name: 'intruder', type: 'training', ...stolenInput });
  await api("A's task with B's model as input", bad('ERR_INVALID_MODEL_ID'), 'tasks.edit', { task: oa.task, ...stolenInput });
  await api("B's task", task, 'tasks.clone', { task: ob.task });
  await api("A's task into B's project", project, 'tasks.clone', { task: oa.task, new_task_project: ob.project });
  await api("A's task under B's task", task, 'tasks.clone', { task: oa.task, new_task_parent: ob.task });
  await api("A's task with B's model", bad('ERR_INVALID_MODEL_ID'), 'tasks.clone', {
    task: oa.task,
    new_task_input_models: [{ name: 'stolen', model: ob.model }],
  });
  await api("B's task", task, 'tasks.publish', { task: ob.task, force: true });
  await api("B's task", task, 'tasks.archive', { tasks: [ob.task] });
  await api("B's task", task, 'tasks.move', { ids: [ob.task], project: oa.project });
  await api("A's task into B's project", project, 'tasks.move', { ids: [oa.task], project: ob.project });
  for (const endpoint of ['tasks.publish_many', 'tasks.archive_many', 'tasks.unarchive_many']) await batchRefused(endpoint, ob.task, 101);
  await api("B's project", OK, 'projects.get_task_tags', { projects: [ob.project], include_system: true });
  await api("B's project", OK, 'projects.get_model_tags', { projects: [ob.project], include_system: true });

  const model = bad('ERR_INVALID_MODEL_ID');
  await api("B's model", model, 'models.get_by_id', { model: ob.model });
  await api("B's model", model, 'models.edit', { model: ob.model, comment: 'owned' });
  await api("B's model", model, 'models.update', { model: ob.model, comment: 'owned', ready: true });
  await api("B's model", model, 'models.set_ready', { model: ob.model });
  await api("B's model", model, 'models.add_or_update_metadata', { model: ob.model, metadata: [{ key: 'k', value: 'v' }] });
  await api("B's model", model, 'models.delete', { model: ob.model, force: true });
  await api("B's task", task, 'models.update_for_task', { task: ob.task, uri: 'http://evil.example/m' });
  await api("for B's task", task, 'models.create', { name: 'intruder', uri: 'x', task: ob.task });
  await api("in B's project", project, 'models.create', { name: 'intruder', uri: 'x', project: ob.project });
  await api("id filter with B's model", OK, 'models.get_all', { id: [ob.model] });
  await api("task filter with B's task", OK, 'models.get_all', { task: [ob.task] });
  for (const endpoint of ['models.publish_many', 'models.archive_many', 'models.unarchive_many']) await batchRefused(endpoint, ob.model, 201);

  await api("B's task", task, 'events.get_task_log', { task: ob.task });
  await api("B's task", task, 'events.get_task_events', { task: ob.task });
  await api("B's task", task, 'events.scalar_metrics_iter_histogram', { task: ob.task });
  await api("B's task among A's", task, 'events.get_task_metrics', { tasks: [oa.task, ob.task], event_type: 'training_stats_scalar' });
  const injected = (t: string) => JSON.stringify({ type: 'log', task: t, timestamp: Date.now(), level: 'error', msg: 'injected by A' });
  const batch = (lines: string[]) =>
    send(stack.api, { path: '/events.add_batch', body: lines.join('\n'), headers: { ...bearer(token), 'Content-Type': 'application/json-lines' } });
  report.answer("events.add_batch only B's task", bad('ERR_EVENTS_NOT_ADDED'), await batch([injected(ob.task)]), foreign);
  const mixed = await batch([injected(oa.task), injected(ob.task)]);
  report.answer("events.add_batch A's and B's task (A's stored)", OK, mixed, foreign);

  const files = stack.files;
  const get = (method: string, path: string) => send(files, { method, path, headers: bearer(token) });
  const notFound: Expect = { status: 404, code: 'ERR_NOT_FOUND' };
  report.answer("GET B's file path", notFound, await get('GET', `/${ob.file}`), foreign);
  report.answer("GET B's file under B's company folder", notFound, await get('GET', `/${w.b.company}/${ob.file}`), foreign);
  report.answer("HEAD B's file under B's company folder", { status: 404 }, await get('HEAD', `/${w.b.company}/${ob.file}`));
  report.answer("DELETE B's file path", notFound, await get('DELETE', `/${ob.file}`), foreign);
  report.answer("DELETE B's company folder", notFound, await get('DELETE', `/${w.b.company}`), foreign);
  const many = await send(files, { path: '/delete_many', body: { files: [ob.file, `${w.b.company}/${ob.file}`] }, headers: bearer(token) });
  const deleted = Object.keys((many.json as { deleted?: object } | undefined)?.deleted ?? {});
  report.effect(
    "delete_many B's paths",
    '200, nothing deleted',
    `${many.status}, deleted ${JSON.stringify(deleted)}`,
    many.status === 200 && deleted.length === 0,
  );
  report.answer("upload over B's path (stays A's)", OK, await upload(files, token, [{ name: `${w.b.company}/${ob.file}`, content: 'overwritten by A' }]));

  // Users and credentials live at the gateway; the apiserver forwards these calls.
  const admin = w.a.admin.token;
  await api("by id of B's user", OK, 'users.get_all', { id: [w.b.user.id, w.b.admin.id] });
  await api('without filters', OK, 'users.get_all', {});
  await api("for B's user, as A's admin", bad('ERR_INVALID_USER'), 'auth.get_credentials', { user: w.b.user.id }, admin);
  await api("for B's user, as A's user", { status: 403, code: 'ERR_FORBIDDEN' }, 'auth.get_credentials', { user: w.b.user.id });
  await api("disabling B's admin, as A's admin", bad('ERR_INVALID_USER'), 'auth.edit_user', { user: w.b.admin.id, enabled: false }, admin);
  await api(
    "resetting B's user's password, as A's admin",
    bad('ERR_INVALID_USER'),
    'auth.reset_password',
    { user: w.b.user.id, new_password: `Owned-${Date.now()}-password` },
    admin,
  );
  const key = bad('ERR_INVALID_ACCESS_KEY');
  await api("relabelling B's key, as A's admin", key, 'auth.edit_credentials', { access_key: w.b.user.accessKey, label: 'owned' }, admin);
  await api("revoking B's key, as A's admin", key, 'auth.revoke_credentials', { access_key: w.b.user.accessKey }, admin);
  await api("revoking B's key, as A's user", key, 'auth.revoke_credentials', { access_key: w.b.admin.accessKey });

  // Nothing of B's changed: its objects, file, events and key are as they were.
  await delay(1200);
  const asB = w.b.user.token;
  const bTask = await call(stack.api, 'tasks.get_by_id', asB, { task: ob.task });
  const bModel = await call(stack.api, 'models.get_by_id', asB, { model: ob.model });
  const bFile = await send(files, { method: 'GET', path: `/${ob.file}`, headers: bearer(asB) });
  const bLog = await call(stack.api, 'events.get_task_log', asB, { task: ob.task });
  const bLogin = await send(stack.gateway, { path: '/auth.login', headers: basic(w.b.user.accessKey, w.b.user.secretKey) });
  // Not archived, published or moved out of its project by A's lifecycle calls.
  const unmoved = (text: string) =>
    !text.includes('"archived"') && !text.includes('"published"') && !text.includes('"ready":true') && text.includes(ob.project);
  const intact = [
    ['task', bTask.status === 200 && !bTask.text.includes('owned') && !bTask.text.includes('evil') && unmoved(bTask.text)],
    ['model', bModel.status === 200 && !bModel.text.includes('owned') && !bModel.text.includes('evil.example') && unmoved(bModel.text)],
    ['file', bFile.status === 200 && bFile.text === ob.fileMarker],
    ['log', bLog.status === 200 && !bLog.text.includes('injected by A')],
    ['key', bLogin.status === 200],
  ] as const;
  const broken = intact.filter(([, ok]) => !ok).map(([what]) => what);
  report.effect(
    "B's task, model, file, log and key afterwards",
    'all intact',
    broken.length ? `changed: ${broken.join(', ')}` : 'all intact',
    broken.length === 0,
  );
}
