import { setTimeout as delay } from 'node:timers/promises';
import { ALICE, startTestApp, type TestApp, statusAndCode as codeOf } from './testing/int-test-app';
import { WorkerStore, type WorkerEntry } from './worker-store';

type Who = 'alice' | 'anna' | 'bob';

describe('queues and task queueing (real FerretDB)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const ok: TestApp['ok'] = (as, endpoint, body) => t.ok(as, endpoint, body);
  const newQueue = async (name: string, as: Who = 'alice') => (await ok(as, 'queues.create', { name })).id as string;
  const newTask = async (name = 'queued-task', extra: Record<string, unknown> = {}, as: Who = 'alice') =>
    (await ok(as, 'tasks.create', { name, type: 'training', ...extra })).id as string;
  const getTask = async (task: string) => (await ok('alice', 'tasks.get_by_id', { task })).task as Record<string, unknown>;
  const getQueue = async (queue: string, as: Who = 'alice') => (await ok(as, 'queues.get_by_id', { queue })).queue as Record<string, unknown>;
  const entriesOf = async (queue: string, as: Who = 'alice') => ((await getQueue(queue, as)).entries as { task: string }[]).map((e) => e.task);

  describe('queues', () => {
    it("creates, reads and lists a company's queues in ClearML's shape; a name is unique in a company only", async () => {
      const id = await newQueue('train-gpu');
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      const queue = await getQueue(id);
      expect(queue).toMatchObject({ id, name: 'train-gpu', company: ALICE.company, user: ALICE.user, tags: [], system_tags: [], entries: [], metadata: {} });
      expect(queue.created).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(codeOf(await t.call('alice', 'queues.create', { name: 'train-gpu' }))).toEqual([400, 400, 801]);
      expect(codeOf(await t.call('alice', 'queues.create', { name: 'ab' }))).toEqual([400, 400, 12]);
      expect(codeOf(await t.call('alice', 'queues.create', {}))).toEqual([400, 400, 11]);
      const bobs = await newQueue('train-gpu', 'bob');
      expect(bobs).not.toBe(id);
      const listed = await ok('alice', 'queues.get_all', { name: '^train\\-gpu$', only_fields: ['id', 'name'] });
      expect(listed.queues).toEqual([{ id, name: 'train-gpu' }]);
    });

    it("answers another company's queue like a missing one, for every queue call", async () => {
      const queue = await newQueue('alice-private');
      const task = await newTask('bob-task', {}, 'bob');
      const withTask = new Set(['queues.remove_task']);
      for (const endpoint of ['queues.get_by_id', 'queues.get_next_task', 'queues.get_num_entries', 'queues.remove_task']) {
        for (const [as, id] of [
          ['bob', queue],
          ['alice', 'f'.repeat(32)],
        ] as const) {
          const res = await t.call(as, endpoint, { queue: id, ...(withTask.has(endpoint) && { task }) });
          expect([endpoint, as, ...codeOf(res)]).toEqual([endpoint, as, 400, 400, 701]);
        }
      }
      expect(codeOf(await t.call('bob', 'queues.add_task', { queue, task }))).toEqual([400, 400, 701]);
      // Nor may a task of another company go into one's own queue.
      expect(codeOf(await t.call('alice', 'queues.add_task', { queue, task }))).toEqual([400, 400, 101]);
      expect(await entriesOf(queue)).toEqual([]);
      expect((await ok('bob', 'queues.get_all', { id: [queue] })).queues).toEqual([]);
    });

    it('makes one default queue per company on first use, even when asked concurrently', async () => {
      const answers = await Promise.all(Array.from({ length: 5 }, () => ok('anna', 'queues.get_default')));
      const ids = new Set(answers.map((a) => a.id));
      expect(ids.size).toBe(1);
      expect(answers[0]).toEqual({ id: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'default' });
      const defaults = await ok('alice', 'queues.get_all', { system_tags: ['default'] });
      expect((defaults.queues as { id: string }[]).map((q) => q.id)).toEqual([...ids]);
      const bobs = await ok('bob', 'queues.get_default');
      expect(bobs.id).not.toBe(answers[0].id);
    });

    it('refuses to pick a default when two queues carry the tag', async () => {
      const app = await startTestApp();
      try {
        for (const name of ['first', 'second']) expect((await app.call('alice', 'queues.create', { name, system_tags: ['default'] })).status).toBe(200);
        expect(codeOf(await app.call('alice', 'queues.get_default'))).toEqual([400, 400, 708]);
      } finally {
        await app.close();
      }
    });

    it('hands out entries first in, first out, with task info, and nothing from an empty queue', async () => {
      const queue = await newQueue('fifo');
      const tasks = [await newTask('one'), await newTask('two')];
      for (const task of tasks) await ok('alice', 'tasks.enqueue', { task, queue });
      expect((await ok('alice', 'queues.get_num_entries', { queue })).num).toBe(2);
      const first = await ok('alice', 'queues.get_next_task', { queue, get_task_info: true });
      expect(first).toEqual({ entry: { task: tasks[0], added: expect.stringMatching(/^\d{4}-/) }, task_info: { company: ALICE.company, user: ALICE.user } });
      expect(((await ok('alice', 'queues.get_next_task', { queue })).entry as { task: string }).task).toBe(tasks[1]);
      expect(await ok('alice', 'queues.get_next_task', { queue })).toEqual({});
    });

    it('never gives the same task to two workers asking at once', async () => {
      const queue = await newQueue('contended');
      const tasks: string[] = [];
      for (let i = 0; i < 12; i++) {
        const task = await newTask(`contended-${i}`);
        await ok('alice', 'tasks.enqueue', { task, queue });
        tasks.push(task);
      }
      const answers = await Promise.all(Array.from({ length: 30 }, () => ok('alice', 'queues.get_next_task', { queue })));
      const taken = answers.flatMap((a) => (a.entry ? [(a.entry as { task: string }).task] : []));
      expect(taken).toHaveLength(12);
      expect(new Set(taken)).toEqual(new Set(tasks));
      expect(await entriesOf(queue)).toEqual([]);
    });

    it('takes the next task only when it is the one named', async () => {
      const queue = await newQueue('named-next');
      const [a, b] = [await newTask('a-task'), await newTask('b-task')];
      for (const task of [a, b]) await ok('alice', 'tasks.enqueue', { task, queue });
      expect(await ok('alice', 'queues.get_next_task', { queue, task: b })).toEqual({});
      expect(((await ok('alice', 'queues.get_next_task', { queue, task: a })).entry as { task: string }).task).toBe(a);
      expect(codeOf(await t.call('alice', 'queues.remove_task', { queue, task: a }))).toEqual([400, 400, 703]);
      expect(await ok('alice', 'queues.remove_task', { queue, task: b })).toEqual({ removed: 1 });
    });
  });

  describe('tasks.enqueue and tasks.dequeue', () => {
    it('queues a created task: status, execution.queue, the entry, and no longer a development task', async () => {
      const queue = await newQueue('enqueue-basic');
      const task = await newTask('to-enqueue', { system_tags: ['development', 'keep'] });
      const res = await ok('alice', 'tasks.enqueue', { task, queue, status_reason: 'why' });
      expect(res).toMatchObject({ queued: 1, updated: 1, fields: { status: 'queued', status_reason: 'why', 'execution.queue': queue } });
      expect(await getTask(task)).toMatchObject({ status: 'queued', execution: { queue }, system_tags: ['keep'] });
      expect(await entriesOf(queue)).toEqual([task]);
      expect(codeOf(await t.call('alice', 'tasks.enqueue', { task, queue }))).toEqual([400, 400, 706]);
    });

    it('changes nothing when the queue is unknown, foreign, doubly named, or the status forbids it', async () => {
      const bobsQueue = await newQueue('bobs-queue', 'bob');
      const queue = await newQueue('enqueue-refusals');
      const task = await newTask('refused');
      const cases: [Record<string, unknown>, number[]][] = [
        [{ queue: 'f'.repeat(32) }, [400, 400, 701]],
        [{ queue: bobsQueue }, [400, 400, 701]],
        [{ queue, queue_name: 'enqueue-refusals' }, [400, 400, 12]],
        [{ queue, update_execution_queue: false }, [400, 400, 12]],
      ];
      for (const [body, code] of cases) expect(codeOf(await t.call('alice', 'tasks.enqueue', { task, ...body }))).toEqual(code);
      await ok('alice', 'tasks.started', { task });
      expect(codeOf(await t.call('alice', 'tasks.enqueue', { task, queue_name: 'never-made' }))).toEqual([400, 400, 110]);
      expect(await getTask(task)).toMatchObject({ status: 'in_progress', execution: { artifacts: [] } });
      expect((await getTask(task)).execution).not.toHaveProperty('queue');
      expect(await entriesOf(queue)).toEqual([]);
      expect(await entriesOf(bobsQueue, 'bob')).toEqual([]);
      expect((await ok('alice', 'queues.get_all', { name: 'never-made' })).queues).toEqual([]);
      expect(codeOf(await t.call('bob', 'tasks.enqueue', { task, queue: bobsQueue }))).toEqual([400, 400, 101]);
    });

    it('enqueues by queue name (making the queue) or into the default queue, and moves a queued task between queues', async () => {
      const byName = await newTask('by-name');
      const res = await ok('alice', 'tasks.enqueue', { task: byName, queue_name: 'made-by-enqueue' });
      const made = (res.fields as Record<string, string>)['execution.queue'];
      expect((await getQueue(made)).name).toBe('made-by-enqueue');
      const toDefault = await newTask('to-default');
      const answer = await ok('alice', 'tasks.enqueue', { task: toDefault });
      expect((answer.fields as Record<string, string>)['execution.queue']).toBe((await ok('alice', 'queues.get_default')).id);
      const other = await newQueue('moved-to');
      await ok('alice', 'tasks.enqueue', { task: byName, queue: other });
      expect(await entriesOf(made)).toEqual([]);
      expect(await entriesOf(other)).toEqual([byName]);
    });

    it('dequeues back to the status the task had before, or created; a task not queued is left as it is', async () => {
      const queue = await newQueue('dequeue');
      const task = await newTask('dequeued');
      await ok('alice', 'tasks.started', { task });
      await ok('alice', 'tasks.stopped', { task });
      await ok('alice', 'tasks.enqueue', { task, queue });
      const res = await ok('alice', 'tasks.dequeue', { task });
      expect(res).toMatchObject({ dequeued: 1, updated: 1, fields: { status: 'stopped' } });
      expect(await entriesOf(queue)).toEqual([]);
      expect((await getTask(task)).status).toBe('stopped');
      expect(await ok('alice', 'tasks.dequeue', { task })).toEqual({ dequeued: 1, updated: 0 });
      const fresh = await newTask('dequeued-fresh');
      await ok('alice', 'tasks.enqueue', { task: fresh, queue });
      expect(codeOf(await t.call('bob', 'tasks.dequeue', { task: fresh }))).toEqual([400, 400, 101]);
      expect(await entriesOf(queue)).toEqual([fresh]);
      await ok('alice', 'tasks.dequeue', { task: fresh });
      expect((await getTask(fresh)).status).toBe('created');
    });

    it('takes artifacts and models on a queued task, as the SDK sends them after Task.enqueue', async () => {
      const queue = await newQueue('attach-queued');
      const task = await newTask('attach-queued');
      await ok('alice', 'tasks.enqueue', { task, queue });
      const model = (await ok('alice', 'models.create', { name: 'pretrained', uri: 'https://files/p' })).id as string;
      await ok('alice', 'tasks.add_or_update_model', { task, name: 'pretrained', model, type: 'input' });
      const artifact = { key: 'late', type: 'str', mode: 'output', uri: 'https://files/late' };
      await ok('alice', 'tasks.add_or_update_artifacts', { task, artifacts: [artifact], force: true });
      await ok('alice', 'tasks.edit_hyper_params', { task, hyperparams: [{ section: 'Args', name: 'lr', value: '0.1' }], force: true });
      expect(await getTask(task)).toMatchObject({
        status: 'queued',
        models: { input: [expect.objectContaining({ name: 'pretrained', model })] },
        execution: { artifacts: [expect.objectContaining({ key: 'late' })] },
        hyperparams: { Args: { lr: expect.objectContaining({ value: '0.1' }) } },
      });
    });

    it('deleting a queued task removes its queue entry', async () => {
      const queue = await newQueue('delete-queued');
      const task = await newTask('deleted-queued');
      await ok('alice', 'tasks.enqueue', { task, queue });
      await ok('alice', 'tasks.delete', { task, force: true });
      expect(await entriesOf(queue)).toEqual([]);
    });
  });

  describe('tasks.stop', () => {
    it('stops a queued task at once and takes it out of its queue', async () => {
      const queue = await newQueue('stop-queued');
      const task = await newTask('stop-queued');
      await ok('alice', 'tasks.enqueue', { task, queue });
      const res = await ok('alice', 'tasks.stop', { task });
      expect(res).toMatchObject({ updated: 1, fields: { status: 'stopped', status_message: 'Stopped by Alice' } });
      expect(await entriesOf(queue)).toEqual([]);
    });

    it('stops a development run directly, but only asks a worker to stop the run it reported', async () => {
      const dev = await newTask('dev-run', { system_tags: ['development'] });
      await ok('alice', 'tasks.started', { task: dev });
      await ok('alice', 'workers.register', { worker: 'host:dev' });
      await ok('alice', 'workers.status_report', { worker: 'host:dev', task: dev });
      expect((await ok('alice', 'tasks.stop', { task: dev })).fields).toMatchObject({ status: 'stopped' });

      const remote = await newTask('agent-run');
      await ok('alice', 'tasks.started', { task: remote });
      expect((await ok('alice', 'tasks.stop', { task: remote })).fields).toMatchObject({ status: 'stopped' });

      const run = await newTask('agent-run-2');
      await ok('alice', 'tasks.started', { task: run });
      await ok('alice', 'workers.register', { worker: 'host:gpu0' });
      await ok('alice', 'workers.status_report', { worker: 'host:gpu0', task: run });
      const res = await ok('alice', 'tasks.stop', { task: run });
      expect(res.fields).toMatchObject({ status: 'in_progress', status_message: 'stopping' });
      expect(await getTask(run)).toMatchObject({ status: 'in_progress', status_message: 'stopping' });
      await ok('alice', 'tasks.stopped', { task: run });
      expect((await getTask(run)).status).toBe('stopped');
    });

    it("stops a pipeline controller's steps with it when asked", async () => {
      const controller = await newTask('pipeline', { type: 'controller', system_tags: ['development'] });
      const step = await newTask('pipeline-step', { parent: controller });
      const bystander = await newTask('not-a-step');
      for (const task of [controller, step, bystander]) await ok('alice', 'tasks.started', { task });
      await ok('alice', 'tasks.stop', { task: controller, include_pipeline_steps: true });
      expect([(await getTask(controller)).status, (await getTask(step)).status, (await getTask(bystander)).status]).toEqual([
        'stopped',
        'stopped',
        'in_progress',
      ]);
    });

    it("refuses to stop a created task unless forced, and another company's task", async () => {
      const task = await newTask('never-ran');
      expect(codeOf(await t.call('alice', 'tasks.stop', { task }))).toEqual([400, 400, 110]);
      expect(codeOf(await t.call('bob', 'tasks.stop', { task, force: true }))).toEqual([400, 400, 101]);
      expect((await getTask(task)).status).toBe('created');
      expect((await ok('alice', 'tasks.stop', { task, force: true })).fields).toMatchObject({ status: 'stopped' });
    });
  });

  describe('tasks.reset', () => {
    const artifact = (key: string, mode: string) => ({ key, type: 'str', mode, uri: `https://files/${key}` });

    it("clears a run's results, output artifacts, draft output models and events, and takes it out of its queue", async () => {
      const task = await newTask('to-reset', { script: { entry_point: 'train.py' } });
      await ok('alice', 'tasks.started', { task });
      await ok('alice', 'tasks.add_or_update_artifacts', { task, artifacts: [artifact('in', 'input'), artifact('out', 'output')] });
      const draft = (await ok('alice', 'models.create', { name: 'draft', uri: 'https://files/m', task })).id as string;
      await ok('alice', 'tasks.add_or_update_model', { task, name: 'draft', model: draft, type: 'output', iteration: 7 });
      await ok('alice', 'tasks.stopped', { task });
      const queue = await newQueue('reset-queue');
      await ok('alice', 'tasks.enqueue', { task, queue });

      const res = await ok('alice', 'tasks.reset', { task, return_file_urls: true });
      expect(res).toMatchObject({
        updated: 1,
        dequeued: { removed: 1 },
        deleted_models: 1,
        fields: { status: 'created', status_reason: 'reset' },
        urls: { artifact_urls: ['https://files/out'], model_urls: ['https://files/m'] },
      });
      const after = await getTask(task);
      expect(after).toMatchObject({ status: 'created', last_iteration: 0, script: { entry_point: 'train.py' }, models: { output: [] }, runtime: {} });
      expect((after.execution as { artifacts: { key: string }[] }).artifacts.map((a) => a.key)).toEqual(['in']);
      expect(after).not.toHaveProperty('started');
      expect(after.execution).not.toHaveProperty('queue');
      expect(await entriesOf(queue)).toEqual([]);
      expect(codeOf(await t.call('alice', 'models.get_by_id', { model: draft }))).toEqual([400, 400, 201]);
      expect(t.deletedTasks).toContain(`${ALICE.company}/${task}`);
    });

    it('with clear_all also clears the execution and the script', async () => {
      const task = await newTask('reset-all', { script: { entry_point: 'x.py' }, execution: { parameters: { a: '1' } } });
      await ok('alice', 'tasks.reset', { task, clear_all: true });
      expect(await getTask(task)).toMatchObject({ status: 'created', script: {}, execution: { artifacts: [] } });
      expect((await getTask(task)).execution).not.toHaveProperty('parameters');
    });

    it('refuses a published task or one with a published output model unless forced, changing nothing', async () => {
      const task = await newTask('published-output');
      await ok('alice', 'tasks.started', { task });
      const model = (await ok('alice', 'models.create', { name: 'final', uri: 'https://files/final', task, ready: true })).id as string;
      await ok('alice', 'tasks.add_or_update_model', { task, name: 'final', model, type: 'output' });
      expect(codeOf(await t.call('alice', 'tasks.reset', { task }))).toEqual([400, 400, 123]);
      expect(await getTask(task)).toMatchObject({ status: 'in_progress', models: { output: [{ model }] } });
      expect(t.deletedTasks).not.toContain(`${ALICE.company}/${task}`);
      await ok('alice', 'tasks.reset', { task, force: true });
      expect(((await ok('alice', 'models.get_by_id', { model })).model as Record<string, unknown>).task).toBeUndefined();

      await t.connection.collection('tasks').updateOne({ _id: task as never }, { $set: { status: 'published' } });
      expect(codeOf(await t.call('alice', 'tasks.reset', { task }))).toEqual([400, 400, 110]);
      expect(codeOf(await t.call('bob', 'tasks.reset', { task, force: true }))).toEqual([400, 400, 101]);
      expect((await getTask(task)).status).toBe('published');
    });
  });

  describe('workers', () => {
    const workersOf = async (as: Who) => (await ok(as, 'workers.get_all')).workers as Record<string, unknown>[];

    it('registers, lists with queue details, reports and unregisters a worker', async () => {
      const queue = await newQueue('worker-queue');
      const waiting = await newTask('waiting');
      await ok('alice', 'tasks.enqueue', { task: waiting, queue });
      await ok('alice', 'workers.register', { worker: 'box:0', queues: [queue], tags: ['gpu'] });
      const task = await newTask('running');
      await ok('alice', 'tasks.started', { task });
      expect(await ok('alice', 'workers.status_report', { worker: 'box:0', task, queue, timestamp: Date.now(), machine_stats: { cpu_usage: [1] } })).toEqual(
        {},
      );
      const mine = (await workersOf('alice')).find((w) => w.id === 'box:0');
      expect(mine).toMatchObject({
        id: 'box:0',
        user: { id: ALICE.user, name: 'Alice' },
        company: { id: ALICE.company },
        tags: ['gpu'],
        queues: [{ id: queue, name: 'worker-queue', num_tasks: 1, next_task: { id: waiting, name: 'waiting' } }],
        queue: { id: queue, name: 'worker-queue' },
        task: { id: task, name: 'running', last_iteration: 0 },
      });
      expect(await getTask(task)).toMatchObject({ status: 'in_progress' });
      expect(((await ok('alice', 'workers.get_all', { worker_pattern: 'box:*' })).workers as unknown[]).length).toBe(1);
      expect(((await ok('alice', 'workers.get_all', { worker_pattern: 'other*' })).workers as unknown[]).length).toBe(0);
      await ok('alice', 'workers.unregister', { worker: 'box:0' });
      expect((await workersOf('alice')).map((w) => w.id)).not.toContain('box:0');
      // As clearml-server by default: unregistering a gone worker is no error, and a report registers an unknown one.
      expect(await ok('alice', 'workers.unregister', { worker: 'box:0' })).toEqual({});
      await ok('alice', 'workers.status_report', { worker: 'box:0' });
      expect((await workersOf('alice')).find((w) => w.id === 'box:0')).toMatchObject({ queues: [], tags: [], user: { id: ALICE.user } });
      await ok('alice', 'workers.unregister', { worker: 'box:0' });
    });

    it('keeps each company to its own workers, even under the same worker id', async () => {
      const bobsQueue = await newQueue('bob-workers', 'bob');
      const alicesTask = await newTask('alice-running');
      await ok('alice', 'workers.register', { worker: 'shared-name' });
      await ok('bob', 'workers.register', { worker: 'shared-name', queues: [bobsQueue] });
      expect(codeOf(await t.call('alice', 'workers.register', { worker: 'x', queues: [bobsQueue] }))).toEqual([400, 400, 701]);
      expect(codeOf(await t.call('bob', 'workers.status_report', { worker: 'shared-name', task: alicesTask }))).toEqual([400, 400, 101]);
      await ok('bob', 'workers.unregister', { worker: 'shared-name' });
      const alices = (await workersOf('alice')).filter((w) => w.id === 'shared-name');
      expect(alices).toHaveLength(1);
      expect(alices[0]).toMatchObject({ company: { id: ALICE.company }, queues: [] });
      expect((await workersOf('bob')).map((w) => w.id)).not.toContain('x');
      expect((await workersOf('bob')).every((w) => (w.company as { id: string }).id !== ALICE.company)).toBe(true);
      const keys: string[] = [];
      for await (const key of t.redis.scanIterator({ MATCH: `${t.workerKeyPrefix}*` })) keys.push(key);
      expect(keys.every((key) => key.startsWith(t.workerKeyPrefix))).toBe(true);
    });

    it('forgets a worker once its timeout passes without a report', async () => {
      await ok('anna', 'workers.register', { worker: 'short-lived', timeout: 1 });
      expect((await workersOf('anna')).map((w) => w.id)).toContain('short-lived');
      await delay(1300);
      expect((await workersOf('anna')).map((w) => w.id)).not.toContain('short-lived');
      const keys: string[] = [];
      for await (const key of t.redis.scanIterator({ MATCH: `${t.workerKeyPrefix}worker:*short-lived` })) keys.push(key);
      expect(keys).toEqual([]);
    });

    it('refuses a new worker past the per-company limit, but not a known one reporting again', async () => {
      const store = new WorkerStore(t.redis, t.workerKeyPrefix, 2);
      const entry = (id: string, company = 'limited-company'): WorkerEntry => ({
        id,
        user: { id: 'u' },
        company: { id: company },
        ip: '',
        queues: [],
        tags: [],
        system_tags: [],
        register_time: new Date().toISOString(),
        register_timeout: 60,
        last_activity_time: new Date().toISOString(),
      });
      await store.save(entry('one'), true);
      await store.save(entry('two'), true);
      await expect(store.save(entry('three'), true)).rejects.toMatchObject({ code: 'ERR_TOO_MANY_WORKERS' });
      await store.save(entry('two'), true);
      await store.save(entry('three', 'another-company'), true);
      expect((await store.all('limited-company')).map((w) => w.id).sort()).toEqual(['one', 'two']);
    });

    it("keeps a worker's runtime properties, merged by key, and only for its own company", async () => {
      expect(await ok('alice', 'workers.get_runtime_properties', { worker: 'props' })).toEqual({ runtime_properties: [] });
      await ok('alice', 'workers.register', { worker: 'props' });
      await ok('alice', 'workers.set_runtime_properties', {
        worker: 'props',
        runtime_properties: [
          { key: 'available_gpus', value: '0_5' },
          { key: 'a', value: '1' },
        ],
      });
      await ok('alice', 'workers.set_runtime_properties', { worker: 'props', runtime_properties: [{ key: 'a', value: '2' }] });
      expect(await ok('alice', 'workers.get_runtime_properties', { worker: 'props' })).toEqual({
        runtime_properties: [
          { key: 'available_gpus', value: '0_5' },
          { key: 'a', value: '2' },
        ],
      });
      expect(await ok('bob', 'workers.get_runtime_properties', { worker: 'props' })).toEqual({ runtime_properties: [] });
      const many = Array.from({ length: 101 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
      expect(codeOf(await t.call('alice', 'workers.set_runtime_properties', { worker: 'props', runtime_properties: many }))).toEqual([400, 400, 12]);
    });

    it('answers whether a live worker watches the queue a task went to', async () => {
      const queue = await newQueue('watched');
      const task = await newTask('watched-task');
      expect((await ok('alice', 'tasks.enqueue', { task, queue, verify_watched_queue: true })).queue_watched).toBe(false);
      await ok('alice', 'workers.register', { worker: 'watcher', queues: [queue] });
      const other = await newTask('watched-task-2');
      expect((await ok('alice', 'tasks.enqueue', { task: other, queue, verify_watched_queue: true })).queue_watched).toBe(true);
    });
  });
});
