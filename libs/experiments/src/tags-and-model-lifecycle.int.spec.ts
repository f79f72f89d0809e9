import { startTestApp, type TestApp, resultCode as codeOf } from './testing/int-test-app';

describe('tag lists and model publish/archive (real FerretDB)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const ok: TestApp['ok'] = (as, endpoint, body) => t.ok(as, endpoint, body);
  const getModel = async (model: string) => (await ok('alice', 'models.get_by_id', { model })).model as Record<string, unknown>;
  const getTask = async (task: string) => (await ok('alice', 'tasks.get_by_id', { task })).task as Record<string, unknown>;

  describe('projects.get_task_tags / get_model_tags', () => {
    let one: string;
    let two: string;

    beforeAll(async () => {
      one = (await ok('alice', 'projects.create', { name: 'tags one' })).id as string;
      two = (await ok('alice', 'projects.create', { name: 'tags two' })).id as string;
      const task = (as: 'alice' | 'bob', project: string | undefined, tags: string[], system_tags: string[]) =>
        ok(as, 'tasks.create', { name: 'tagged', type: 'training', project, tags, system_tags });
      await task('alice', one, ['zeta', 'alpha'], ['development']);
      await task('alice', two, ['beta', 'alpha'], ['archived']);
      await task('alice', undefined, [], []);
      await task('bob', undefined, ['bobs-secret'], ['bobs-system']);
      await ok('alice', 'models.create', { name: 'm', uri: 'file:///m', project: one, tags: ['best'], system_tags: ['sys'] });
      await ok('bob', 'models.create', { name: 'm', uri: 'file:///m', tags: ['bobs-model'] });
    });

    it("lists the company's task tags sorted, system tags only when asked", async () => {
      expect(await ok('alice', 'projects.get_task_tags', {})).toEqual({ tags: ['alpha', 'beta', 'zeta'] });
      expect(await ok('alice', 'projects.get_task_tags', { include_system: true })).toEqual({
        tags: ['alpha', 'beta', 'zeta'],
        system_tags: ['archived', 'development'],
      });
    });

    it('narrows to projects and to a tag filter', async () => {
      expect(await ok('alice', 'projects.get_task_tags', { projects: [one], include_system: true })).toEqual({
        tags: ['alpha', 'zeta'],
        system_tags: ['development'],
      });
      expect(await ok('alice', 'projects.get_task_tags', { filter: { system_tags: ['-archived'] } })).toEqual({ tags: ['alpha', 'zeta'] });
      expect(await ok('alice', 'projects.get_task_tags', { filter: { tags: ['beta'] } })).toEqual({ tags: ['alpha', 'beta'] });
    });

    it("never shows another company's tags, even for its project ids", async () => {
      const bobs = await ok('bob', 'projects.get_task_tags', { include_system: true });
      expect(bobs).toEqual({ tags: ['bobs-secret'], system_tags: ['bobs-system'] });
      expect(await ok('bob', 'projects.get_task_tags', { projects: [one, two], include_system: true })).toEqual({ tags: [], system_tags: [] });
      expect(await ok('bob', 'projects.get_model_tags', { projects: [one] })).toEqual({ tags: [] });
    });

    it('lists model tags the same way', async () => {
      expect(await ok('alice', 'projects.get_model_tags', { include_system: true })).toEqual({ tags: ['best'], system_tags: ['sys'] });
      expect(await ok('bob', 'projects.get_model_tags', {})).toEqual({ tags: ['bobs-model'] });
    });

    it('refuses a malformed request', async () => {
      expect(codeOf(await t.call('alice', 'projects.get_task_tags', { projects: 'one' }))).toEqual([400, 12]);
      expect(codeOf(await t.call('alice', 'projects.get_task_tags', { filter: { tags: ['__$bogus'] } }))).toEqual([400, 12]);
    });
  });

  describe('models', () => {
    /** A stopped task with a draft output model. */
    async function stoppedWithModel() {
      const task = (await ok('alice', 'tasks.create', { name: 'trainer', type: 'training' })).id as string;
      await ok('alice', 'tasks.started', { task });
      const model = (await ok('alice', 'models.create', { name: 'weights', uri: 'file:///w', task })).id as string;
      await ok('alice', 'tasks.add_or_update_model', { task, name: 'weights', type: 'output', model });
      await ok('alice', 'tasks.stopped', { task });
      return { task, model };
    }

    it('set_ready publishes the model and, by default, its task', async () => {
      const { task, model } = await stoppedWithModel();
      const res = await ok('alice', 'models.set_ready', { model });
      expect(res).toMatchObject({ updated: 1, published_task: { id: task, data: { updated: 1, fields: { status: 'published' } } } });
      expect([(await getModel(model)).ready, (await getTask(task)).status]).toEqual([true, 'published']);
      expect(codeOf(await t.call('alice', 'models.set_ready', { model }))).toEqual([400, 203]);
    });

    it("set_ready with publish_task false (the SDK's Model.publish) leaves the task", async () => {
      const { task, model } = await stoppedWithModel();
      expect(await ok('alice', 'models.set_ready', { model, publish_task: false })).toEqual({ updated: 1 });
      expect([(await getModel(model)).ready, (await getTask(task)).status]).toEqual([true, 'stopped']);
    });

    it('set_ready keeps the model a draft when its task cannot be published', async () => {
      const task = (await ok('alice', 'tasks.create', { name: 'running', type: 'training' })).id as string;
      await ok('alice', 'tasks.started', { task });
      const model = (await ok('alice', 'models.create', { name: 'w', uri: 'file:///w', task })).id as string;
      expect(codeOf(await t.call('alice', 'models.set_ready', { model }))).toEqual([400, 110]);
      expect([(await getModel(model)).ready, (await getTask(task)).status]).toEqual([false, 'in_progress']);
      expect((await ok('alice', 'models.set_ready', { model, force_publish_task: true })).updated).toBe(1);
      expect((await getTask(task)).status).toBe('published');
    });

    it("answers another company's model like a missing one", async () => {
      const { model } = await stoppedWithModel();
      for (const id of [model, 'f'.repeat(32)]) expect(codeOf(await t.call('bob', 'models.set_ready', { model: id }))).toEqual([400, 201]);
      const many = await ok('bob', 'models.archive_many', { ids: [model] });
      expect([many.succeeded, (many.failed as { error: { codes: number[] } }[]).map((f) => f.error.codes)]).toEqual([[], [[400, 201]]]);
      const model_ = await getModel(model);
      expect([model_.ready, model_.system_tags]).toEqual([false, []]);
    });

    it('publish_many answers per model', async () => {
      const first = await stoppedWithModel();
      const second = await stoppedWithModel();
      await ok('alice', 'models.set_ready', { model: second.model, publish_task: false });
      const res = await ok('alice', 'models.publish_many', { ids: [first.model, second.model], publish_task: false });
      expect(res.succeeded).toEqual([{ id: first.model, updated: true, published_task: null }]);
      expect((res.failed as { id: string; error: { codes: number[] } }[]).map((f) => [f.id, f.error.codes])).toEqual([[second.model, [400, 203]]]);
      expect((await getTask(first.task)).status).toBe('stopped');
    });

    it('archive_many and unarchive_many tag and untag models', async () => {
      const { model } = await stoppedWithModel();
      expect(await ok('alice', 'models.archive_many', { ids: [model] })).toEqual({ succeeded: [{ id: model, archived: true }], failed: [] });
      expect((await getModel(model)).system_tags).toEqual(['archived']);
      const listed = await ok('alice', 'models.get_all', { id: [model], system_tags: ['-archived'] });
      expect(listed.models).toEqual([]);
      expect(await ok('alice', 'models.unarchive_many', { ids: [model] })).toEqual({ succeeded: [{ id: model, unarchived: true }], failed: [] });
      expect((await getModel(model)).system_tags).toEqual([]);
    });
  });
});
