import { startTestApp, type TestApp, statusAndCode as codeOf } from './testing/int-test-app';

type Who = 'alice' | 'anna' | 'bob';

describe('queues.update, queues.delete and queues.peek_task (real FerretDB)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const ok: TestApp['ok'] = (as, endpoint, body) => t.ok(as, endpoint, body);
  const newQueue = async (name: string, as: Who = 'alice') => (await ok(as, 'queues.create', { name })).id as string;
  const newTask = async (name: string) => (await ok('alice', 'tasks.create', { name, type: 'training' })).id as string;
  const statusOf = async (task: string) => ((await ok('alice', 'tasks.get_by_id', { task })).task as { status: string }).status;

  it('renames and retags a queue; a name taken in the company is 801 and changes nothing', async () => {
    const queue = await newQueue('admin-rename');
    await newQueue('admin-taken');
    const updated = await ok('alice', 'queues.update', { queue, name: 'admin-renamed', tags: ['gpu'] });
    expect(updated).toMatchObject({ updated: 1, fields: { name: 'admin-renamed', tags: ['gpu'] } });
    expect(codeOf(await t.call('alice', 'queues.update', { queue, name: 'admin-taken' }))).toEqual([400, 400, 801]);
    expect((await ok('alice', 'queues.get_by_id', { queue })).queue).toMatchObject({ name: 'admin-renamed', tags: ['gpu'] });
  });

  it('peeks at the first waiting task without taking it', async () => {
    const queue = await newQueue('admin-peek');
    expect(await ok('alice', 'queues.peek_task', { queue })).toEqual({ task: null });
    const [first, second] = [await newTask('peek-1'), await newTask('peek-2')];
    await ok('alice', 'tasks.enqueue', { task: first, queue });
    await ok('alice', 'tasks.enqueue', { task: second, queue });
    expect(await ok('alice', 'queues.peek_task', { queue })).toEqual({ task: first });
    expect(await ok('alice', 'queues.get_num_entries', { queue })).toEqual({ num: 2 });
  });

  it('refuses to delete a queue with tasks waiting (702) unless forced; forced, its tasks go back to created', async () => {
    const queue = await newQueue('admin-delete');
    const task = await newTask('waiting');
    await ok('alice', 'tasks.enqueue', { task, queue });
    expect(codeOf(await t.call('alice', 'queues.delete', { queue }))).toEqual([400, 400, 702]);
    expect(await statusOf(task)).toBe('queued');
    expect(await ok('alice', 'queues.delete', { queue, force: true })).toEqual({ deleted: 1 });
    expect(await statusOf(task)).toBe('created');
    expect(codeOf(await t.call('alice', 'queues.get_by_id', { queue }))).toEqual([400, 400, 701]);
    expect(await ok('alice', 'queues.delete', { queue: await newQueue('admin-empty') })).toEqual({ deleted: 1 });
  });

  it("answers another company's queue like a missing one and leaves it alone", async () => {
    const queue = await newQueue('admin-bobs', 'bob');
    for (const [endpoint, body] of [
      ['queues.update', { queue, name: 'stolen' }],
      ['queues.delete', { queue, force: true }],
      ['queues.peek_task', { queue }],
    ] as const) {
      expect(codeOf(await t.call('alice', endpoint, body))).toEqual([400, 400, 701]);
    }
    expect((await ok('bob', 'queues.get_by_id', { queue })).queue).toMatchObject({ name: 'admin-bobs' });
  });
});
