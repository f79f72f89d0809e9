import { startTestApp, type TestApp, statusAndCode as codeOf } from './testing/int-test-app';

describe('hyperparameters and configuration endpoints (real FerretDB)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const createTask = async (extra: Record<string, unknown> = {}) => {
    const res = await t.call('alice', 'tasks.create', { name: 'params-task', type: 'training', ...extra });
    expect(res.status).toBe(200);
    return res.data.id as string;
  };
  const p = (section: string, name: string, value: string) => ({ section, name, value });
  const getParams = async (task: string) => {
    const res = await t.call('alice', 'tasks.get_hyper_params', { tasks: [task] });
    expect(res.status).toBe(200);
    return (res.data.params as { task: string; hyperparams: Record<string, unknown>[] }[])[0].hyperparams;
  };
  const taskDoc = async (task: string) => (await t.call('alice', 'tasks.get_by_id', { task })).data.task as Record<string, unknown>;

  it('adds and updates parameters one by one, answering them sorted by section and name', async () => {
    const task = await createTask({ hyperparams: { Args: { batch: { section: 'Args', name: 'batch', value: '32' } } } });
    const edit = await t.call('alice', 'tasks.edit_hyper_params', {
      task,
      hyperparams: [p('Args', 'lr', '0.1'), { ...p('Args', 'optimizer.lr', '0.5'), type: 'float', description: 'd' }, p('Extra$', 'a.b', 'x')],
    });
    expect(edit.data).toEqual({ updated: 1 });
    expect(await getParams(task)).toEqual([
      p('Args', 'batch', '32'),
      p('Args', 'lr', '0.1'),
      { ...p('Args', 'optimizer.lr', '0.5'), type: 'float', description: 'd' },
      p('Extra$', 'a.b', 'x'),
    ]);
    // Stored under escaped keys, answered as given in the task too.
    expect((await taskDoc(task)).hyperparams).toMatchObject({ Args: { 'optimizer.lr': { value: '0.5' } }, Extra$: { 'a.b': { value: 'x' } } });
    await t.call('alice', 'tasks.edit_hyper_params', { task, hyperparams: [p('Args', 'lr', '0.2')] });
    expect((await getParams(task)).find((item) => item.name === 'lr')).toEqual(p('Args', 'lr', '0.2'));
  });

  it('replaces the given sections, or everything', async () => {
    const task = await createTask();
    await t.call('alice', 'tasks.edit_hyper_params', { task, hyperparams: [p('A', 'x', '1'), p('A', 'y', '2'), p('B', 'z', '3')] });
    await t.call('alice', 'tasks.edit_hyper_params', { task, hyperparams: [p('A', 'w', '4')], replace_hyperparams: 'section' });
    expect(await getParams(task)).toEqual([p('A', 'w', '4'), p('B', 'z', '3')]);
    await t.call('alice', 'tasks.edit_hyper_params', { task, hyperparams: [p('C', 'v', '5')], replace_hyperparams: 'all' });
    expect(await getParams(task)).toEqual([p('C', 'v', '5')]);
    const bad = await t.call('alice', 'tasks.edit_hyper_params', { task, hyperparams: [p('C', 'v', '5')], replace_hyperparams: 'some' });
    expect(codeOf(bad)).toEqual([400, 400, 12]);
  });

  it('deletes parameters and whole sections, refusing both at once', async () => {
    const task = await createTask();
    await t.call('alice', 'tasks.edit_hyper_params', { task, hyperparams: [p('A', 'x.y', '1'), p('A', 'y', '2'), p('B', 'z', '3')] });
    const conflict = await t.call('alice', 'tasks.delete_hyper_params', { task, hyperparams: [{ section: 'A' }, { section: 'A', name: 'y' }] });
    expect(codeOf(conflict)).toEqual([400, 400, 15]);
    expect(await getParams(task)).toHaveLength(3);
    expect((await t.call('alice', 'tasks.delete_hyper_params', { task, hyperparams: [{ section: 'A', name: 'x.y' }] })).data).toEqual({ deleted: 1 });
    expect(await getParams(task)).toEqual([p('A', 'y', '2'), p('B', 'z', '3')]);
    await t.call('alice', 'tasks.delete_hyper_params', { task, hyperparams: [{ section: 'B', name: '' }] });
    expect(await getParams(task)).toEqual([p('A', 'y', '2')]);
  });

  it('edits only a created task, a running one with force, and user properties in any status', async () => {
    const task = await createTask();
    expect((await t.call('alice', 'tasks.started', { task })).status).toBe(200);
    const refused = await t.call('alice', 'tasks.edit_hyper_params', { task, hyperparams: [p('Args', 'lr', '1')] });
    expect(codeOf(refused)).toEqual([400, 400, 110]);
    expect((await t.call('alice', 'tasks.edit_hyper_params', { task, hyperparams: [p('Args', 'lr', '1')], force: true })).status).toBe(200);
    expect((await t.call('alice', 'tasks.completed', { task })).status).toBe(200);
    for (const endpoint of ['tasks.edit_hyper_params', 'tasks.delete_hyper_params', 'tasks.edit_configuration']) {
      const body = endpoint === 'tasks.edit_configuration' ? { configuration: [{ name: 'c', value: 'v' }] } : { hyperparams: [p('Args', 'lr', '2')] };
      const forced = await t.call('alice', endpoint, { task, force: true, ...body });
      expect([endpoint, ...codeOf(forced)]).toEqual([endpoint, 400, 400, 110]);
    }
    const before = await taskDoc(task);
    // `Properties` in any case is the properties section: editable in any status, without moving last_update.
    const props = await t.call('alice', 'tasks.edit_hyper_params', { task, hyperparams: [p('Properties', 'owner', 'me')] });
    expect(props.data).toEqual({ updated: 1 });
    const after = await taskDoc(task);
    expect(after.last_update).toBe(before.last_update);
    expect(after.last_change).not.toBe(before.last_change);
    expect((await getParams(task)).find((item) => item.section === 'properties')).toEqual(p('properties', 'owner', 'me'));
    expect((await t.call('alice', 'tasks.delete_hyper_params', { task, hyperparams: [{ section: 'properties', name: 'owner' }] })).status).toBe(200);
    const mixed = await t.call('alice', 'tasks.edit_hyper_params', { task, hyperparams: [p('properties', 'a', '1'), p('Args', 'b', '2')] });
    expect(codeOf(mixed)).toEqual([400, 400, 110]);
  });

  it('answers several tasks, and refuses the whole call when one is unknown or another company owns it', async () => {
    const [a, b] = [await createTask(), await createTask()];
    await t.call('alice', 'tasks.edit_hyper_params', { task: a, hyperparams: [p('S', 'n', 'v')] });
    const both = await t.call('alice', 'tasks.get_hyper_params', { tasks: [b, a] });
    expect(both.data).toEqual({
      params: [
        { task: b, hyperparams: [] },
        { task: a, hyperparams: [p('S', 'n', 'v')] },
      ],
    });
    const bobs = await t.call('bob', 'tasks.get_hyper_params', { tasks: [a] });
    expect(codeOf(bobs)).toEqual([400, 400, 101]);
    const mixed = await t.call('alice', 'tasks.get_hyper_params', { tasks: [a, 'f'.repeat(32)] });
    expect(codeOf(mixed)).toEqual([400, 400, 101]);
    expect(codeOf(await t.call('alice', 'tasks.get_hyper_params', { tasks: [] }))).toEqual([400, 400, 12]);
  });

  it('edits, lists and deletes configuration items', async () => {
    const task = await createTask({ configuration: { old: { name: 'old', value: 'v0' } } });
    const edit = await t.call('alice', 'tasks.edit_configuration', {
      task,
      configuration: [
        { name: 'General', value: 'a: 1', type: 'dictionary', description: 'd' },
        { name: 'optimizer.cfg', value: '' },
      ],
    });
    expect(edit.data).toEqual({ updated: 1 });
    const all = await t.call('alice', 'tasks.get_configurations', { tasks: [task] });
    expect(all.data).toEqual({
      configurations: [
        {
          task,
          configuration: [
            { name: 'General', value: 'a: 1', type: 'dictionary', description: 'd' },
            { name: 'old', value: 'v0' },
            { name: 'optimizer.cfg', value: '' },
          ],
        },
      ],
    });
    const some = await t.call('alice', 'tasks.get_configurations', { tasks: [task], names: ['optimizer.cfg', 'missing'] });
    expect(some.data).toEqual({ configurations: [{ task, configuration: [{ name: 'optimizer.cfg', value: '' }] }] });
    const names = await t.call('alice', 'tasks.get_configuration_names', { tasks: [task, 'f'.repeat(32)] });
    expect(names.data).toEqual({ configurations: [{ task, names: ['General', 'old'] }] });
    const withEmpty = await t.call('alice', 'tasks.get_configuration_names', { tasks: [task], skip_empty: false });
    expect(withEmpty.data).toEqual({ configurations: [{ task, names: ['General', 'old', 'optimizer.cfg'] }] });
    expect((await t.call('bob', 'tasks.get_configuration_names', { tasks: [task] })).data).toEqual({ configurations: [] });

    expect((await t.call('alice', 'tasks.delete_configuration', { task, configuration: ['old'] })).data).toEqual({ deleted: 1 });
    await t.call('alice', 'tasks.edit_configuration', { task, configuration: [{ name: 'only', value: 'x' }], replace_configuration: true });
    expect((await t.call('alice', 'tasks.get_configurations', { tasks: [task] })).data).toEqual({
      configurations: [{ task, configuration: [{ name: 'only', value: 'x' }] }],
    });
  });

  it('stores names like __proto__ as plain names, polluting nothing; refuses them as keys', async () => {
    const task = await createTask();
    const items = [p('__proto__', 'polluted', 'yes'), p('Args', '__proto__', 'x'), p('constructor', 'prototype', 'y')];
    expect((await t.call('alice', 'tasks.edit_hyper_params', { task, hyperparams: items })).status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await getParams(task)).toEqual([p('Args', '__proto__', 'x'), p('__proto__', 'polluted', 'yes'), p('constructor', 'prototype', 'y')]);
    const all = await t.call('alice', 'tasks.edit_hyper_params', { task, hyperparams: [p('__proto__', 'a', '1')], replace_hyperparams: 'all' });
    expect(all.status).toBe(200);
    expect(await getParams(task)).toEqual([p('__proto__', 'a', '1')]);
    // As a key of the body itself, __proto__ is refused at the door (the HTTP kit), and nothing is made.
    const created = await t.callRaw('alice', 'tasks.create', '{"name": "proto", "type": "training", "runtime": {"a": {"__proto__": {"x": 1}}}}');
    expect([created.status, created.meta.result_msg]).toEqual([400, 'request body: the key runtime.a.__proto__ is not allowed']);
    expect((await t.call('alice', 'tasks.get_all', { name: '^proto$' })).data.tasks).toEqual([]);
    const configuration = await t.call('alice', 'tasks.edit_configuration', { task, configuration: [{ name: '__proto__', value: 'v' }] });
    expect(configuration.status).toBe(200);
    expect((await t.call('alice', 'tasks.get_configurations', { tasks: [task] })).data).toEqual({
      configurations: [{ task, configuration: [{ name: '__proto__', value: 'v' }] }],
    });
  });

  it('refuses malformed items, naming the field', async () => {
    const task = await createTask();
    for (const [body, field] of [
      [{ hyperparams: [{ section: 'A', name: 'n' }] }, 'hyperparams.0.value'],
      [{ hyperparams: [{ section: ' ', name: 'n', value: 'v' }] }, 'hyperparams.0.section'],
      [{ hyperparams: [{ section: 'A\u0000', name: 'n', value: 'v' }] }, 'hyperparams.0.section'],
      [{ hyperparams: [p('A', 'n', 'v')], surprise: true }, 'surprise'],
    ] as const) {
      const res = await t.call('alice', 'tasks.edit_hyper_params', { task, ...body });
      expect([field, res.status, (res.meta.error_data as { field?: string }).field]).toEqual([field, 400, field]);
    }
  });
});
