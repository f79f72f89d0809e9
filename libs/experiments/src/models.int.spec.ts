import { ALICE, startTestApp, type TestApp, resultCode as codeOf } from './testing/int-test-app';

describe('models endpoints (real FerretDB)', () => {
  let t: TestApp;
  let project: string;

  beforeAll(async () => {
    t = await startTestApp();
    project = (await t.call('alice', 'projects.create', { name: 'models' })).data.id as string;
  });
  afterAll(() => t.close());

  const runningTask = async (name: string) => {
    const id = (await t.call('alice', 'tasks.create', { name, project, type: 'training' })).data.id as string;
    await t.call('alice', 'tasks.started', { task: id });
    return id;
  };
  const getModel = async (id: string) => (await t.call('alice', 'models.get_by_id', { model: id })).data.model as Record<string, unknown>;
  const getTask = async (id: string) => (await t.call('alice', 'tasks.get_by_id', { task: id })).data.task as Record<string, unknown>;

  /** What OutputModel(task).update_weights(file) sends, in order. */
  async function outputModelFlow(task: string): Promise<string> {
    const created = await t.call('alice', 'models.create', { uri: 'file:///uploading_file', name: 'Anonymous model', labels: {}, project });
    expect(created.data).toMatchObject({ created: true });
    const id = created.data.id as string;
    const edited = await t.call('alice', 'models.edit', {
      model: id,
      uri: 'file:///uploading_file',
      name: 'weights',
      comment: 'Created by task',
      labels: { cat: 1 },
      design: { design: '' },
      framework: 'PyTorch',
      task,
      project,
      tags: [],
      system_tags: [],
    });
    expect(edited.data).toMatchObject({ updated: 1, fields: { name: 'weights', labels: { cat: 1 } } });
    expect((await t.call('alice', 'tasks.add_or_update_model', { task, name: 'weights', type: 'output', model: id, iteration: 7 })).data).toEqual({
      updated: 1,
    });
    await t.call('alice', 'models.edit', { model: id, uri: 'http://files/models/weights.pt', iteration: 9, task });
    return id;
  }

  it('serves what OutputModel(task).update_weights sends and links the model to its task', async () => {
    const task = await runningTask('training-run');
    const id = await outputModelFlow(task);
    const model = await getModel(id);
    expect(model).toMatchObject({
      id,
      name: 'weights',
      uri: 'http://files/models/weights.pt',
      task,
      project,
      user: ALICE.user,
      company: ALICE.company,
      ready: false,
      framework: 'PyTorch',
      labels: { cat: 1 },
      design: { design: '' },
      tags: [],
      system_tags: [],
    });
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(model.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    const linked = await getTask(task);
    expect(linked.models).toMatchObject({ input: [], output: [{ name: 'weights', model: id }] });
    expect(linked.last_iteration).toBe(9);

    // The same name replaces the entry; another adds one.
    await t.call('alice', 'tasks.add_or_update_model', { task, name: 'weights', type: 'output', model: id });
    await t.call('alice', 'tasks.add_or_update_model', { task, name: 'best', type: 'output', model: id });
    expect(((await getTask(task)).models as { output: { name: string }[] }).output.map((m) => m.name)).toEqual(['weights', 'best']);

    const found = await t.call('alice', 'models.get_all', { uri: ['http://files/models/weights.pt'], only_fields: ['id', 'name', 'created'] });
    expect(found.data.models).toEqual([{ id, name: 'weights', created: model.created }]);
    expect((await t.call('alice', 'models.get_all', { task: [task], ready: true })).data.models).toEqual([]);
  });

  it('keeps metadata by key, and refuses to make a ready model ready again', async () => {
    const id = (await t.call('alice', 'models.create', { uri: 's3://b/m', name: 'meta' })).data.id as string;
    await t.call('alice', 'models.add_or_update_metadata', { model: id, metadata: [{ key: 'acc.top1', type: 'float', value: '0.9' }] });
    await t.call('alice', 'models.add_or_update_metadata', { model: id, metadata: [{ key: 'epochs', value: '3' }] });
    expect((await getModel(id)).metadata).toEqual({ 'acc.top1': { key: 'acc.top1', type: 'float', value: '0.9' }, epochs: { key: 'epochs', value: '3' } });
    await t.call('alice', 'models.add_or_update_metadata', { model: id, metadata: [{ key: 'only', value: '1' }], replace_metadata: true });
    expect((await getModel(id)).metadata).toEqual({ only: { key: 'only', value: '1' } });

    expect((await t.call('alice', 'models.set_ready', { model: id })).data).toEqual({ updated: 1 });
    expect(codeOf(await t.call('alice', 'models.set_ready', { model: id }))).toEqual([400, 203]);
  });

  it("answers another company's model like a missing one, and refuses links into another company", async () => {
    const task = await runningTask('private-run');
    const id = await outputModelFlow(task);
    for (const endpoint of ['models.get_by_id', 'models.edit', 'models.update', 'models.set_ready', 'models.delete', 'models.add_or_update_metadata']) {
      const res = await t.call('bob', endpoint, {
        model: id,
        ...(endpoint.includes('.edit') || endpoint.includes('.update') ? { name: 'stolen' } : {}),
        ...(endpoint.endsWith('metadata') && { metadata: [] }),
      });
      expect([endpoint, res.status, ...codeOf(res)]).toEqual([endpoint, 400, 400, 201]);
    }
    expect((await t.call('bob', 'models.get_all', { id: [id] })).data.models).toEqual([]);
    const bobsTask = (await t.call('bob', 'tasks.create', { name: 'bobs-run', type: 'training' })).data.id as string;
    expect(codeOf(await t.call('bob', 'tasks.add_or_update_model', { task: bobsTask, name: 'x', type: 'input', model: id }))).toEqual([400, 201]);
    const asInput = { models: { input: [{ name: 'x', model: id }] } };
    expect(codeOf(await t.call('bob', 'tasks.create', { name: 'bobs-reuse', type: 'training', ...asInput }))).toEqual([400, 201]);
    expect(codeOf(await t.call('bob', 'tasks.edit', { task: bobsTask, ...asInput }))).toEqual([400, 201]);
    expect((await t.call('bob', 'tasks.get_all', { name: '^bobs-reuse$' })).data.tasks).toEqual([]);
    expect((await t.call('bob', 'tasks.get_by_id', { task: bobsTask })).data.task).not.toHaveProperty('models.input.0');
    expect(codeOf(await t.call('bob', 'models.create', { uri: 'u', name: 'n', task }))).toEqual([400, 101]);
    expect(codeOf(await t.call('bob', 'models.create', { uri: 'u', name: 'n', project }))).toEqual([400, 401]);
    expect((await getModel(id)).name).toBe('weights');
  });

  it('refuses to delete a model another task uses unless forced, and marks it in that task', async () => {
    const id = (await t.call('alice', 'models.create', { uri: 's3://b/in', name: 'input' })).data.id as string;
    const user = (await t.call('alice', 'tasks.create', { name: 'consumer', type: 'inference', models: { input: [{ name: 'in', model: id }] } })).data
      .id as string;
    expect(codeOf(await t.call('alice', 'models.delete', { model: id }))).toEqual([400, 205]);
    expect((await t.call('alice', 'models.delete', { model: id, force: true })).data).toEqual({ deleted: true, url: 's3://b/in' });
    const input = ((await getTask(user)).models as { input: { name: string; model: string }[] }).input;
    expect(input[0].model).toBe(`__DELETED__${id}`);
    // A client that sends back what it read keeps the marked reference; a made-up model id is refused.
    expect((await t.call('alice', 'tasks.edit', { task: user, models: { input } })).data).toMatchObject({ updated: 1 });
    const ghost = { name: 'in', model: 'f'.repeat(32) };
    const refused = await t.call('alice', 'tasks.edit', { task: user, models: { input: [...input, ghost] } });
    expect([...codeOf(refused), refused.meta.result_msg]).toEqual([400, 201, `model(s) not found: ${ghost.model}`]);
  });

  it("deletes a task's draft output models with it and marks its ready ones", async () => {
    const task = await runningTask('finished-run');
    const draft = await outputModelFlow(task);
    const ready = (await t.call('alice', 'models.create', { uri: 's3://b/r', name: 'ready', task, ready: true })).data.id as string;
    await t.call('alice', 'tasks.add_or_update_model', { task, name: 'ready', type: 'output', model: ready });
    const deleted = await t.call('alice', 'tasks.delete', { task, force: true });
    expect(deleted.data).toMatchObject({ deleted: true, deleted_models: 1, updated_models: 1 });
    expect(codeOf(await t.call('alice', 'models.get_by_id', { model: draft }))).toEqual([400, 201]);
    expect((await getModel(ready)).task).toBe(`__DELETED__${task}`);
  });

  it('takes the pre-2.13 models.update_for_task: creates the output model once, then updates it', async () => {
    const task = await runningTask('legacy-run');
    expect(codeOf(await t.call('alice', 'models.update_for_task', { task }))).toEqual([400, 11]);
    const first = await t.call('alice', 'models.update_for_task', { task, uri: 's3://b/v1', iteration: 3 });
    expect(first.data).toMatchObject({ created: true });
    const second = await t.call('alice', 'models.update_for_task', { task, uri: 's3://b/v2' });
    expect(second.data).toMatchObject({ id: first.data.id, created: false, updated: 1 });
    expect(await getModel(first.data.id as string)).toMatchObject({ uri: 's3://b/v2', name: 'legacy-run', task, project });
    expect(await getTask(task)).toMatchObject({ last_iteration: 3, models: { output: [{ name: 'Output Model', model: first.data.id }] } });
  });

  it('names the field of a malformed model body', async () => {
    for (const [body, field] of [
      [{ name: 'n' }, 'uri'],
      [{ uri: 'u', name: 'n', labels: { a: 'x' } }, 'labels.a'],
      [{ uri: 'u', name: 'n', ready: 'maybe' }, 'ready'],
    ] as const) {
      const res = await t.call('alice', 'models.create', body);
      expect([field, res.status, (res.meta.error_data as { field: string }).field]).toEqual([field, 400, field]);
    }
  });
});
