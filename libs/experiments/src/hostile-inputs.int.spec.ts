import { experimentModels } from './documents';
import { startTestApp, type TestApp } from './testing/int-test-app';

// Inputs that once ended in a 500 from the database: each must be a 400 with a stable code.
describe('hostile inputs to projects, tasks and models (real FerretDB)', () => {
  let t: TestApp;
  let task: string;
  let model: string;

  beforeAll(async () => {
    t = await startTestApp();
    task = (await t.call('alice', 'tasks.create', { name: 'hostile', type: 'training' })).data.id as string;
    model = (await t.call('alice', 'models.create', { name: 'hostile', uri: 'file:///m' })).data.id as string;
  });
  afterAll(() => t.close());

  const outcome = (res: { status: number; meta: Record<string, unknown> }) => [
    res.status,
    (res.meta.error_data as { code?: string; field?: string }).code,
    (res.meta.error_data as { field?: string }).field,
  ];

  const nested = (depth: number): Record<string, unknown> => {
    let value: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < depth; i++) value = { a: value };
    return value;
  };
  // JSON.stringify overflows the stack long before 20,000 levels, so the text is built directly.
  const DEEP = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;

  it('refuses a free-form object nested too deep, on every endpoint that stores one', async () => {
    const cases: [string, string, string][] = [
      ['tasks.create', `{"name":"deep","type":"training","runtime":${DEEP}}`, 'runtime'],
      ['tasks.edit', `{"task":"${task}","runtime":${DEEP}}`, 'runtime'],
      ['tasks.edit', `{"task":"${task}","execution":{"parameters":${DEEP}}}`, 'execution.parameters'],
      ['tasks.set_requirements', `{"task":"${task}","requirements":${DEEP}}`, 'requirements'],
      ['models.create', `{"name":"deep","uri":"u","design":${DEEP}}`, 'design'],
      ['models.update', `{"model":"${model}","ui_cache":${DEEP}}`, 'ui_cache'],
    ];
    for (const [endpoint, body, field] of cases) {
      expect([endpoint, ...outcome(await t.callRaw('alice', endpoint, body))]).toEqual([endpoint, 400, 'ERR_STORED_VALUE', field]);
    }
  });

  it('keeps a reasonably nested object as given', async () => {
    const runtime = nested(30);
    expect((await t.call('alice', 'tasks.edit', { task, runtime })).status).toBe(200);
    expect((await t.call('alice', 'tasks.get_by_id', { task })).data.task).toMatchObject({ runtime });
  });

  it('stores arrays inside arrays (which the MongoDB-wire stand-in refuses) and answers them as given', async () => {
    const runtime = { table: [[1, [2, ['x']]], []], deepest: nested(60) };
    expect((await t.call('alice', 'tasks.edit', { task, runtime })).status).toBe(200);
    const artifact = {
      key: 'preview',
      type: 'table',
      display_data: [
        ['a', 1],
        ['b', [2]],
      ],
    };
    expect((await t.call('alice', 'tasks.add_or_update_artifacts', { task, artifacts: [artifact] })).status).toBe(200);
    const read = (await t.call('alice', 'tasks.get_by_id', { task })).data.task as { runtime: unknown; execution: { artifacts: unknown[] } };
    expect(read.runtime).toEqual(runtime);
    expect(read.execution.artifacts).toEqual([expect.objectContaining(artifact)]);
  });

  it('refuses a hyperparameter to delete named by a NUL or spaces, and deletes nothing', async () => {
    await t.call('alice', 'tasks.edit_hyper_params', { task, hyperparams: [{ section: 's', name: 'kept', value: '1' }] });
    for (const name of ['a\u0000b', ' ']) {
      const res = await t.call('alice', 'tasks.delete_hyper_params', { task, hyperparams: [{ section: 's', name }] });
      expect([name, ...outcome(res)]).toEqual([name, 400, 'ERR_BAD_REQUEST', 'hyperparams.0.name']);
    }
    const params = await t.call('alice', 'tasks.get_hyper_params', { tasks: [task] });
    expect(JSON.stringify(params.data)).toContain('"kept"');
  });

  it('refuses a model without a name, and makes none', async () => {
    const res = await t.call('alice', 'models.create', { name: '', uri: 'file:///nameless' });
    expect(outcome(res)).toEqual([400, 'ERR_BAD_REQUEST', 'name']);
    expect((await t.call('alice', 'models.get_all', { uri: ['file:///nameless'] })).data.models).toEqual([]);
  });

  it('refuses a NUL in an object key or a tag, wherever a client names keys', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['tasks.edit', { task, runtime: { 'a\u0000b': 1 } }, 'runtime'],
      ['tasks.edit', { task, hyperparams: { 'sec\u0000': { p: { value: '1' } } } }, 'hyperparams'],
      ['tasks.edit', { task, configuration: { 'c\u0000': { value: 'v' } } }, 'configuration'],
      ['tasks.edit', { task, container: { 'i\u0000': 'x' } }, 'container'],
      ['models.edit', { model, labels: { 'l\u0000': 1 } }, 'labels'],
      ['models.add_or_update_metadata', { model, metadata: [{ key: 'k\u0000', value: 'v' }] }, 'metadata'],
    ];
    for (const [endpoint, body, field] of cases) {
      expect([endpoint, ...outcome(await t.call('alice', endpoint, body))]).toEqual([endpoint, 400, 'ERR_STORED_VALUE', field]);
    }
  });

  it.each(['\\u0041', '\\e', '\\Z', 'a{1001}', '\\cA', '[[:alpha:]]', '(?i)a', '\\p{L}', 'a**', '(?P<n>a)'])(
    'answers the name filter %s with 200 or 400 ERR_INVALID_REGEX naming the field, never 500',
    async (name) => {
      for (const endpoint of ['projects.get_all', 'tasks.get_all', 'models.get_all']) {
        const res = await t.call('alice', endpoint, { name });
        if (res.status === 200) continue;
        expect([endpoint, ...outcome(res)]).toEqual([endpoint, 400, 'ERR_INVALID_REGEX', 'name']);
      }
    },
  );

  it.each([
    'a.b*c+d?e{2}f{2,}g{2,5}h*?',
    '(?:ab|cd)+|^$',
    '[a-z0-9_\\-\\]]',
    '[^\\d\\s.]',
    '\\bword\\B',
    'ünïcödé 😀+ }',
    '(a{10}){100}',
    'my\\ project\\ \\#1\\ \\&\\ co\\~',
    '^caf\\é$',
  ])('runs the portable pattern %s on the database', async (name) => {
    for (const endpoint of ['projects.get_all', 'tasks.get_all', 'models.get_all'])
      expect([endpoint, (await t.call('alice', endpoint, { name })).status]).toEqual([endpoint, 200]);
  });

  it("still finds names with the SDK's escaped patterns, old re.escape's included", async () => {
    const res = await t.call('alice', 'tasks.get_all', { name: '^hos\\-?tile$' });
    expect((res.data.tasks as unknown[]).length).toBe(1);
    await t.call('alice', 'tasks.create', { name: 'café #1', type: 'training' });
    const escaped = await t.call('alice', 'tasks.get_all', { name: '^caf\\é\\ \\#1$' });
    expect((escaped.data.tasks as { name: string }[]).map((task) => task.name)).toEqual(['café #1']);
  });

  const LISTS = ['projects.get_all', 'tasks.get_all', 'models.get_all'];
  it.each<[string, string, Record<string, unknown>]>([
    ...LISTS.map((endpoint): [string, string, Record<string, unknown>] => [endpoint, 'last_update', { last_update: [] }]),
    ['tasks.get_all', 'status_changed', { status_changed: [] }],
    ['models.get_all', 'last_change', { last_change: [] }],
    ['tasks.get_all', '_any_', { _any_: { fields: ['last_update'], datetime: [] } }],
    ...LISTS.map((endpoint): [string, string, Record<string, unknown>] => [endpoint, '_any_', { _any_: { pattern: 'x', fields: ['name', 'created'] } }]),
    ...LISTS.map((endpoint): [string, string, Record<string, unknown>] => [endpoint, '_all_', { _all_: { pattern: 'x', fields: ['last_update'] } }]),
    ['tasks.get_all', '_any_', { _any_: { pattern: '1', fields: ['last_iteration'] } }],
    ['tasks.get_all', '_all_', { _all_: { pattern: '2', fields: ['started'] } }],
    ['models.get_all', '_any_', { _any_: { pattern: 't', fields: ['ready'] } }],
  ])('refuses %s filtering %s by what it cannot match (%j) with 400', async (endpoint, field, filter) => {
    expect(outcome(await t.call('alice', endpoint, filter))).toEqual([400, 'ERR_UNSUPPORTED_FILTER', field]);
  });

  it('finds models without a parent by a null parent, alone or in a list', async () => {
    const child = (await t.call('alice', 'models.create', { name: 'child', uri: 'file:///c', parent: model })).data.id as string;
    for (const parent of [null, [null], [null, model]]) {
      const res = await t.call('alice', 'models.get_all', { parent, only_fields: ['id'] });
      const ids = (res.data.models as { id: string }[]).map((m) => m.id);
      expect([res.status, ids.includes(model), ids.includes(child)]).toEqual([200, true, Array.isArray(parent) && parent.length === 2]);
    }
  });

  it('answers a filter or value its field cannot hold with 400, whichever query or write meets it', async () => {
    const db = experimentModels(t.connection);
    const refused = (text: string) => ({ code: 'ERR_BAD_REQUEST', message: expect.stringContaining(text) });
    await expect(db.tasks.find({ last_update: {} }).lean()).rejects.toMatchObject(refused('last_update'));
    await expect(db.models.countDocuments({ parent: { $size: 0 } })).rejects.toMatchObject(refused("Can't use $size"));
    await expect(db.tasks.updateOne({ _id: task }, { $set: { last_iteration: 'many' } })).rejects.toMatchObject(refused('last_iteration'));
  });

  it.each([...LISTS, 'queues.get_all'])('pages %s: an unsafe page number is refused, a page past the end is empty', async (endpoint) => {
    for (const page of [1e308, '1'.repeat(309), 2 ** 53]) {
      expect([endpoint, page, ...outcome(await t.call('alice', endpoint, { page, page_size: 10 }))]).toEqual([endpoint, page, 400, 'ERR_BAD_REQUEST', 'page']);
    }
    expect((await t.call('alice', endpoint, { page: 1e308, page_size: 10 })).meta.result_msg).toContain('must be an integer between -(2^53 - 1) and 2^53 - 1');
    const past = await t.call('alice', endpoint, { page: Number.MAX_SAFE_INTEGER, page_size: 10 });
    expect([past.status, Object.values(past.data)]).toEqual([200, [[]]]);
  });

  it('refuses more order_by keys than the database sorts on', async () => {
    const orderBy = Array.from({ length: 40 }, (_, i) => `f${i}`);
    for (const endpoint of ['projects.get_all', 'tasks.get_all', 'models.get_all']) {
      expect([endpoint, ...outcome(await t.call('alice', endpoint, { order_by: orderBy }))]).toEqual([endpoint, 400, 'ERR_BAD_REQUEST', 'order_by']);
    }
  });
});
