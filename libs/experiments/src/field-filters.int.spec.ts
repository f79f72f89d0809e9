import { startTestApp, type TestApp } from './testing/int-test-app';

describe('get_all field filters (real FerretDB)', () => {
  let t: TestApp;
  const ids: Record<string, string> = {};

  const param = (section: string, name: string, value: string) => ({ section, name, value, type: 'float' });
  const createTask = async (name: string, as: 'alice' | 'bob', fields: Record<string, unknown>) => {
    const res = await t.call(as, 'tasks.create', { name, type: 'training', ...fields });
    expect(res.status).toBe(200);
    ids[name] = res.data.id as string;
  };
  const createModel = async (name: string, as: 'alice' | 'bob', metadata: Record<string, string>) => {
    const items = Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, { key, value, type: 'str' }]));
    const res = await t.call(as, 'models.create', { name, uri: `file:///m/${name}`, metadata: items });
    expect(res.status).toBe(200);
    ids[name] = res.data.id as string;
  };
  const names = (items: unknown) => (items as { id: string }[]).map((item) => Object.keys(ids).find((name) => ids[name] === item.id) ?? item.id).sort();
  const refusal = (res: { status: number; meta: Record<string, unknown> }) => [
    res.status,
    res.meta.result_code,
    res.meta.result_subcode,
    (res.meta.error_data as { field?: unknown } | undefined)?.field,
  ];

  beforeAll(async () => {
    t = await startTestApp();
    await createTask('lr-small', 'alice', {
      hyperparams: { Args: { lr: param('Args', 'lr', '0.1'), 'optimizer.lr': param('Args', 'optimizer.lr', '0.5') } },
      runtime: { ds_version: '1.0.0', 'a.b': 'dotted' },
      comment: 'first run',
    });
    await createTask('lr-big', 'alice', { hyperparams: { Args: { lr: param('Args', 'lr', '0.9') } }, runtime: {} });
    await createTask('dollars', 'alice', { hyperparams: { $where: { '100%': param('$where', '100%', '1') } }, runtime: { $gt: 'dollar' } });
    await createTask('bobs-task', 'bob', { hyperparams: { Args: { lr: param('Args', 'lr', '0.1') } } });
    await createModel('best', 'alice', { accuracy: '0.9', 'data.set': 'imagenet' });
    await createModel('worst', 'alice', { accuracy: '0.1' });
    await createModel('bobs-model', 'bob', { accuracy: '0.9' });
  });
  afterAll(() => t.close());

  it('filters tasks by a hyperparameter value, in the caller company only', async () => {
    const res = await t.call('alice', 'tasks.get_all', { 'hyperparams.Args.lr.value': '0.1', only_fields: ['id'] });
    expect(names(res.data.tasks)).toEqual(['lr-small']);
    const either = await t.call('alice', 'tasks.get_all', { 'hyperparams.Args.lr.value': ['0.1', '0.9'] });
    expect(names(either.data.tasks)).toEqual(['lr-big', 'lr-small']);
    const bobs = await t.call('bob', 'tasks.get_all', { 'hyperparams.Args.lr.value': '0.1' });
    expect(names(bobs.data.tasks)).toEqual(['bobs-task']);
  });

  it('finds a parameter whose name holds a dot, sent escaped as ClearML clients do', async () => {
    const res = await t.call('alice', 'tasks.get_all', { 'hyperparams.Args.optimizer%2Elr.value': '0.5' });
    expect(names(res.data.tasks)).toEqual(['lr-small']);
  });

  it("filters models by metadata (Model.query_models' shape), and answers metadata keyed by key", async () => {
    const res = await t.call('alice', 'models.get_all', { 'metadata.accuracy.value': '0.9', only_fields: ['id', 'metadata'] });
    expect(names(res.data.models)).toEqual(['best']);
    expect((res.data.models as { metadata: unknown }[])[0].metadata).toEqual({
      accuracy: { key: 'accuracy', value: '0.9', type: 'str' },
      'data.set': { key: 'data.set', value: 'imagenet', type: 'str' },
    });
    const dotted = await t.call('alice', 'models.get_all', { 'metadata.data%2Eset.value': 'imagenet' });
    expect(names(dotted.data.models)).toEqual(['best']);
    const byType = await t.call('alice', 'models.get_all', { 'metadata.accuracy.type': 'str' });
    expect(names(byType.data.models)).toEqual(['best', 'worst']);
  });

  it('filters on runtime, dates, ranges, search_text and _all_/_any_', async () => {
    const call = async (body: Record<string, unknown>) => names((await t.call('alice', 'tasks.get_all', body)).data.tasks);
    expect(await call({ 'runtime.ds_version': '1.0.0' })).toEqual(['lr-small']);
    expect(await call({ 'runtime.a%2Eb': 'dotted' })).toEqual(['lr-small']);
    expect(await call({ status_changed: ['>=2000-01-01T00:00:00Z'], name: '^lr' })).toEqual(['lr-big', 'lr-small']);
    expect(await call({ last_update: ['<2000-01-01'] })).toEqual([]);
    expect(await call({ created: ['2000-01-01', null], name: '^lr' })).toEqual(['lr-big', 'lr-small']);
    expect(await call({ last_iteration: [null, 0], name: '^lr' })).toEqual(['lr-big', 'lr-small']);
    expect(await call({ search_text: 'FIRST' })).toEqual(['lr-small']);
    expect(await call({ _all_: { fields: ['runtime.ds_version'], pattern: '^1\\.0' } })).toEqual(['lr-small']);
    expect(await call({ _any_: { fields: ['comment', 'name'], pattern: 'big' } })).toEqual(['lr-big']);
    // What the SDK's TriggerScheduler asks for.
    const trigger = { fields: ['last_update', 'last_change'], datetime: ['>2000-01-01T00:00:00Z'] };
    expect(await call({ _or_: trigger, name: '^lr', task_types: ['training'] })).toEqual(['lr-big', 'lr-small']);
    expect(await call({ _or_: { ...trigger, datetime: ['>2999-01-01T00:00:00Z'] } })).toEqual([]);
    expect(await call({ name: '^lr', task_types: ['data_processing'] })).toEqual([]);
  });

  it('refuses a key no filter reads, naming it, instead of answering unfiltered results', async () => {
    for (const [endpoint, key] of [
      ['tasks.get_all', 'configuration.cfg.value'],
      ['tasks.get_all', 'hyperparams.Args.lr'],
      ['tasks.get_all', 'execution.script'],
      ['models.get_all', 'metadata.accuracy'],
      ['models.get_all', 'hyperparams.Args.lr.value'],
      ['projects.get_all', 'status'],
    ]) {
      const res = await t.call('alice', endpoint, { [key]: 'x' });
      expect([endpoint, ...refusal(res)]).toEqual([endpoint, 400, 400, 12, key]);
      expect(res.meta.result_msg).toContain(key);
    }
  });

  it('answers only_fields runtime.version with the empty runtime a dataset task has', async () => {
    const res = await t.call('alice', 'tasks.get_all', { id: [ids['lr-big']], only_fields: ['id', 'runtime.version'] });
    expect(res.data.tasks).toEqual([{ id: ids['lr-big'], runtime: {} }]);
  });

  describe('attacks on the filters', () => {
    it('refuses operators as values', async () => {
      for (const value of [{ $regex: '.*' }, { $ne: null }, { $where: 'sleep(1000)' }, [{ $gt: '' }], { $in: ['0.1', '0.9'] }]) {
        const res = await t.call('alice', 'tasks.get_all', { 'hyperparams.Args.lr.value': value });
        expect([JSON.stringify(value), ...refusal(res)]).toEqual([JSON.stringify(value), 400, 400, 12, 'hyperparams.Args.lr.value']);
        const runtime = await t.call('alice', 'tasks.get_all', { 'runtime.ds_version': value });
        expect([JSON.stringify(value), runtime.status]).toEqual([JSON.stringify(value), 400]);
        const meta = await t.call('alice', 'models.get_all', { 'metadata.accuracy.value': value });
        expect([JSON.stringify(value), meta.status]).toEqual([JSON.stringify(value), 400]);
      }
    });

    it('refuses operators as keys, and reads $ in a client-chosen name as text', async () => {
      const inherited = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'runtime.constructor.x'];
      for (const key of ['$where', '$or', 'hyperparams', 'runtime', 'company', '_id', 'hyperparams.Args.lr.$where', 'runtime.x.$ne', ...inherited]) {
        const res = await t.callRaw('alice', 'tasks.get_all', JSON.stringify({ [key]: 'x' }));
        expect([key, res.status]).toEqual([key, 400]);
      }
      const date = await t.call('alice', 'tasks.get_all', { _or_: { fields: ['constructor'], datetime: '>2020-01-01' } });
      expect(date.status).toBe(400);
      // Escaped onto the stored key like any name: it matches a parameter named so, never an operator.
      const res = await t.call('alice', 'tasks.get_all', { 'hyperparams.$where.100%.value': '1' });
      expect([res.status, names(res.data.tasks)]).toEqual([200, ['dollars']]);
      const runtime = await t.call('alice', 'tasks.get_all', { 'runtime.$gt': 'dollar' });
      expect([runtime.status, names(runtime.data.tasks)]).toEqual([200, ['dollars']]);
      const other = await t.call('alice', 'tasks.get_all', { 'runtime.$gt': '' });
      expect([other.status, other.data.tasks]).toEqual([200, []]);
    });

    it('cannot reach another company through a filter or a search', async () => {
      for (const body of [
        { 'hyperparams.Args.lr.value': ['0.1', null] },
        { search_text: 'bobs' },
        { _any_: { fields: ['company', 'name'], pattern: '.' } },
        { created: [null, '2999-01-01'] },
      ]) {
        const res = await t.call('alice', 'tasks.get_all', body);
        expect([JSON.stringify(body), names(res.data.tasks).includes('bobs-task')]).toEqual([JSON.stringify(body), false]);
      }
      const models = await t.call('alice', 'models.get_all', { 'metadata.accuracy.value': '0.9', search_hidden: true });
      expect(names(models.data.models)).toEqual(['best']);
    });

    it('refuses a malformed _all_ (extra keys, a date search) and a bad pattern', async () => {
      for (const value of [
        { fields: ['name'], pattern: 'a', $where: '1' },
        { fields: ['name'], datetime: ['>2020-01-01'] },
        { fields: ['$where'], pattern: 'a' },
      ]) {
        const res = await t.call('alice', 'tasks.get_all', { _all_: value });
        expect([JSON.stringify(value), res.status]).toEqual([JSON.stringify(value), 400]);
      }
      const regex = await t.call('alice', 'tasks.get_all', { _any_: { fields: ['name'], pattern: '(a' } });
      expect([regex.status, regex.meta.result_subcode]).toEqual([400, 21]);
    });

    it('takes search_text as text, not as a pattern', async () => {
      const res = await t.call('alice', 'tasks.get_all', { search_text: '.*' });
      expect([res.status, res.data.tasks]).toEqual([200, []]);
    });
  });
});
