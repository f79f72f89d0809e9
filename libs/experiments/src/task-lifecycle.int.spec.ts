import { ALICE, startTestApp, type TestApp, resultCode as codeOf } from './testing/int-test-app';

describe('task lifecycle: publish, archive, move (real FerretDB)', () => {
  let t: TestApp;
  let project: string;
  let queue: string;

  beforeAll(async () => {
    t = await startTestApp();
    project = (await t.call('alice', 'projects.create', { name: 'lifecycle' })).data.id as string;
    queue = (await t.call('alice', 'queues.create', { name: 'lifecycle-queue' })).data.id as string;
  });
  afterAll(() => t.close());

  const ok: TestApp['ok'] = (as, endpoint, body) => t.ok(as, endpoint, body);
  const getTask = async (task: string) => (await ok('alice', 'tasks.get_by_id', { task })).task as Record<string, unknown>;
  const getModel = async (model: string) => (await ok('alice', 'models.get_by_id', { model })).model as Record<string, unknown>;

  const created = async (name = 'task', extra: Record<string, unknown> = {}) =>
    (await ok('alice', 'tasks.create', { name, type: 'training', project, ...extra })).id as string;
  const entries = async () => ((await ok('alice', 'queues.get_by_id', { queue })).queue as { entries: { task: string }[] }).entries.map((e) => e.task);
  /** A task moved to `status` through the API; a queued one was stopped, then enqueued. */
  async function taskIn(status: string, extra: Record<string, unknown> = {}) {
    const task = await created(`${status} task`, extra);
    if (['in_progress', 'stopped', 'completed', 'failed', 'queued'].includes(status)) await ok('alice', 'tasks.started', { task });
    if (['stopped', 'completed', 'failed'].includes(status)) await ok('alice', `tasks.${status}`, { task });
    if (status === 'queued') {
      await ok('alice', 'tasks.stopped', { task });
      await ok('alice', 'tasks.enqueue', { task, queue });
    }
    expect((await getTask(task)).status).toBe(status);
    return task;
  }
  /** A running task with an output model, then stopped. */
  async function stoppedWithModel() {
    const task = await taskIn('in_progress');
    const model = (await ok('alice', 'models.create', { name: 'weights', uri: 'file:///w', task })).id as string;
    await ok('alice', 'tasks.add_or_update_model', { task, name: 'weights', type: 'output', model });
    await ok('alice', 'tasks.stopped', { task });
    return { task, model };
  }

  describe('tasks.publish', () => {
    it('publishes a stopped task and its draft output model', async () => {
      const { task, model } = await stoppedWithModel();
      const res = await ok('alice', 'tasks.publish', { task, status_message: 'ship it' });
      expect(res).toMatchObject({ updated: 1, fields: { status: 'published', status_message: 'ship it', last_changed_by: ALICE.user } });
      const published = await getTask(task);
      expect(published).toMatchObject({ status: 'published', status_message: 'ship it' });
      expect(typeof published.published).toBe('string');
      expect((await getModel(model)).ready).toBe(true);
    });

    it('leaves the model a draft when publish_model is false', async () => {
      const { task, model } = await stoppedWithModel();
      await ok('alice', 'tasks.publish', { task, publish_model: false });
      expect([(await getTask(task)).status, (await getModel(model)).ready]).toEqual(['published', false]);
    });

    it.each(['stopped', 'completed', 'failed'])('publishes from %s', async (status) => {
      const task = await taskIn(status);
      expect((await ok('alice', 'tasks.publish', { task })).updated).toBe(1);
    });

    it("refuses created, queued, running and published tasks with ClearML's status code, changing nothing", async () => {
      const published = await taskIn('stopped');
      await ok('alice', 'tasks.publish', { task: published });
      for (const status of ['created', 'queued', 'in_progress', 'published']) {
        const task = status === 'published' ? published : await taskIn(status);
        const before = await getTask(task);
        const res = await t.call('alice', 'tasks.publish', { task });
        expect([status, res.status, ...codeOf(res)]).toEqual([status, 400, 400, 110]);
        expect(await getTask(task)).toEqual(before);
      }
    });

    it('publishes from any status when forced', async () => {
      const task = await taskIn('in_progress');
      expect((await ok('alice', 'tasks.publish', { task, force: true })).fields).toMatchObject({ status: 'published' });
    });

    it("answers another company's task like a missing one and leaves it and its model alone", async () => {
      const { task, model } = await stoppedWithModel();
      for (const id of [task, 'f'.repeat(32)]) expect(codeOf(await t.call('bob', 'tasks.publish', { task: id }))).toEqual([400, 101]);
      expect([(await getTask(task)).status, (await getModel(model)).ready]).toEqual(['stopped', false]);
    });

    it('publish_many answers each task: published, or the reason it was not', async () => {
      const good = await taskIn('stopped');
      const running = await taskIn('in_progress');
      const bobs = (await ok('bob', 'tasks.create', { name: 'bobs', type: 'training' })).id as string;
      const res = await ok('alice', 'tasks.publish_many', { ids: [good, running, bobs] });
      expect((res.succeeded as { id: string; updated: number }[]).map((item) => [item.id, item.updated])).toEqual([[good, 1]]);
      const failed = res.failed as { id: string; error: { codes: number[]; msg: string } }[];
      expect(failed.map((item) => [item.id, item.error.codes])).toEqual([
        [running, [400, 110]],
        [bobs, [400, 101]],
      ]);
      expect(failed[0].error.msg).toContain('in_progress');
      expect(codeOf(await t.call('alice', 'tasks.publish_many', { ids: [] }))).toEqual([400, 12]);
    });
  });

  describe('tasks.completed', () => {
    it('with publish: completes, then publishes the task and its model', async () => {
      const task = await taskIn('in_progress');
      const model = (await ok('alice', 'models.create', { name: 'weights', uri: 'file:///w', task })).id as string;
      await ok('alice', 'tasks.add_or_update_model', { task, name: 'weights', type: 'output', model });
      const res = await ok('alice', 'tasks.completed', { task, publish: true, status_reason: 'completed' });
      expect(res).toMatchObject({ updated: 1, published: 1, fields: { status: 'published', status_reason: 'completed' } });
      const done = await getTask(task);
      expect([done.status, typeof done.completed, typeof done.published]).toEqual(['published', 'string', 'string']);
      expect((await getModel(model)).ready).toBe(true);
    });

    it('without publish: completes only, and says so', async () => {
      const task = await taskIn('in_progress');
      expect(await ok('alice', 'tasks.completed', { task })).toMatchObject({ updated: 1, published: 0, fields: { status: 'completed' } });
      expect((await getTask(task)).status).toBe('completed');
    });

    it('refuses a created task, publishing nothing', async () => {
      const task = await created();
      expect(codeOf(await t.call('alice', 'tasks.completed', { task, publish: true }))).toEqual([400, 110]);
      expect((await getTask(task)).status).toBe('created');
    });
  });

  describe('archive', () => {
    const archived = async (task: string) => ((await getTask(task)).system_tags as string[]).includes('archived');

    it('archives created and stopped tasks as they are, takes a queued one back and stops a running one', async () => {
      const tasks = {
        created: await taskIn('created'),
        stopped: await taskIn('stopped'),
        queued: await taskIn('queued'),
        running: await taskIn('in_progress'),
      };
      expect(await entries()).toContain(tasks.queued);
      const res = await ok('alice', 'tasks.archive', { tasks: Object.values(tasks), status_reason: 'cleanup' });
      expect(res).toEqual({ archived: 4 });
      for (const task of Object.values(tasks)) expect(await archived(task)).toBe(true);
      expect((await getTask(tasks.created)).status).toBe('created');
      expect((await getTask(tasks.stopped)).status).toBe('stopped');
      // Back to the status it was enqueued from, no longer anyone's queue entry.
      expect((await getTask(tasks.queued)).status).toBe('stopped');
      expect((await t.connection.collection('tasks').findOne({ _id: tasks.queued as never }))?.enqueue_status).toBeUndefined();
      expect((await getTask(tasks.running)).status).toBe('stopped');
      expect(await entries()).not.toContain(tasks.queued);
    });

    it('hides archived tasks from get_all filters the SDK sends', async () => {
      const kept = await created('kept');
      const gone = await created('gone');
      await ok('alice', 'tasks.archive', { tasks: [gone] });
      const res = await ok('alice', 'tasks.get_all', { id: [kept, gone], system_tags: ['-archived'], only_fields: ['id'] });
      expect(res.tasks).toEqual([{ id: kept }]);
    });

    it("archives nothing when one of the tasks is another company's or missing", async () => {
      const mine = await created();
      const bobs = (await ok('bob', 'tasks.create', { name: 'bobs', type: 'training' })).id as string;
      for (const other of [bobs, 'f'.repeat(32)]) {
        const res = await t.call('alice', 'tasks.archive', { tasks: [mine, other] });
        expect([res.status, ...codeOf(res)]).toEqual([400, 400, 101]);
        expect(res.meta.result_msg).toContain(other);
      }
      expect(await archived(mine)).toBe(false);
      const many = await ok('bob', 'tasks.archive_many', { ids: [mine] });
      expect([many.succeeded, (many.failed as { error: { codes: number[] } }[]).map((f) => f.error.codes)]).toEqual([[], [[400, 101]]]);
      expect(await archived(mine)).toBe(false);
    });

    it('archive_many and unarchive_many answer per task; unarchiving keeps the status', async () => {
      const a = await taskIn('stopped');
      const b = await created();
      const missing = 'f'.repeat(32);
      const res = await ok('alice', 'tasks.archive_many', { ids: [a, missing, b] });
      expect(res.succeeded).toEqual([
        { id: a, archived: true },
        { id: b, archived: true },
      ]);
      expect((res.failed as { id: string; error: { codes: number[] } }[]).map((f) => [f.id, f.error.codes])).toEqual([[missing, [400, 101]]]);
      const back = await ok('alice', 'tasks.unarchive_many', { ids: [a, b], status_message: 'restored' });
      expect(back).toEqual({
        succeeded: [
          { id: a, unarchived: true },
          { id: b, unarchived: true },
        ],
        failed: [],
      });
      expect([await archived(a), await archived(b), (await getTask(a)).status, (await getTask(a)).status_message]).toEqual([
        false,
        false,
        'stopped',
        'restored',
      ]);
    });

    it("archives a pipeline controller's steps with it when asked", async () => {
      const controller = await created('pipeline', { type: 'controller' });
      const step = await created('step', { parent: controller });
      await ok('alice', 'tasks.archive', { tasks: [controller] });
      expect([await archived(controller), await archived(step)]).toEqual([true, false]);
      await ok('alice', 'tasks.unarchive_many', { ids: [controller] });
      expect(await ok('alice', 'tasks.archive', { tasks: [controller], include_pipeline_steps: true })).toEqual({ archived: 1 });
      expect([await archived(controller), await archived(step)]).toEqual([true, true]);
    });
  });

  describe('tasks.move', () => {
    it('moves tasks to a project by id, by name (made when missing), and to the root', async () => {
      const a = await created('task a');
      const b = await created('task b');
      const target = (await ok('alice', 'projects.create', { name: 'target' })).id as string;
      expect(await ok('alice', 'tasks.move', { ids: [a, b], project: target })).toEqual({ project_id: target });
      expect([(await getTask(a)).project, (await getTask(b)).project]).toEqual([target, target]);

      const byName = await ok('alice', 'tasks.move', { ids: [a], project_name: ' moved / here ' });
      const made = (await ok('alice', 'projects.get_all', { name: '^moved/here$' })).projects as { id: string }[];
      expect(made.map((p) => p.id)).toEqual([byName.project_id]);
      expect((await getTask(a)).project).toBe(byName.project_id);
      expect(await ok('alice', 'tasks.move', { ids: [b], project_name: 'moved/here' })).toEqual(byName);

      expect(await ok('alice', 'tasks.move', { ids: [a], project: null })).toEqual({ project_id: null });
      expect((await getTask(a)).project).toBeUndefined();
    });

    it('moves nothing when a task or the project is missing or not the caller company', async () => {
      const mine = await created('mine');
      const bobsTask = (await ok('bob', 'tasks.create', { name: 'bobs', type: 'training' })).id as string;
      const bobsProject = (await ok('bob', 'projects.create', { name: 'bobs target' })).id as string;
      const projectsBefore = await t.connection.collection('projects').countDocuments();
      const cases: [Record<string, unknown>, number[]][] = [
        [{ ids: [mine, bobsTask], project_name: 'never made' }, [400, 101]],
        [{ ids: [mine], project: bobsProject }, [400, 401]],
        [{ ids: [mine], project: 'f'.repeat(32) }, [400, 401]],
        [{ ids: [mine] }, [400, 11]],
        [{ ids: [], project }, [400, 12]],
      ];
      for (const [body, code] of cases) {
        const res = await t.call('alice', 'tasks.move', body);
        expect([body, res.status, ...codeOf(res)]).toEqual([body, 400, ...code]);
      }
      expect((await getTask(mine)).project).toBe(project);
      expect(await t.connection.collection('projects').countDocuments()).toBe(projectsBefore);
      expect(codeOf(await t.call('bob', 'tasks.move', { ids: [mine], project: bobsProject }))).toEqual([400, 101]);
      expect((await getTask(mine)).project).toBe(project);
    });
  });
});
