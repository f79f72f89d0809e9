import { ALICE, BOB, startTestApp, type TestApp, resultCode as codeOf } from './testing/int-test-app';

describe('projects and tasks endpoints (real FerretDB)', () => {
  let t: TestApp;
  let project: string;

  beforeAll(async () => {
    t = await startTestApp();
    const created = await t.call('alice', 'projects.create', { name: 'warden-compat', description: '' });
    expect(created.status).toBe(200);
    project = created.data.id as string;
  });
  afterAll(() => t.close());

  const createTask = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await t.call('alice', 'tasks.create', { name, project, type: 'training', system_tags: ['development'], comment: 'c', ...extra });
    expect(res.status).toBe(200);
    return res.data.id as string;
  };

  describe('projects', () => {
    it("finds a project by the SDK's escaped-name regex, ids only", async () => {
      const res = await t.call('alice', 'projects.get_all', { name: '^warden\\-compat$', only_fields: ['id'], shallow_search: false, search_hidden: true });
      expect(res.data.projects).toEqual([{ id: project }]);
      expect(project).toMatch(/^[0-9a-f]{32}$/);
    });

    it('refuses a second project of the same name in a company, but not in another company', async () => {
      const again = await t.call('alice', 'projects.create', { name: ' warden-compat/ ' });
      expect([again.status, ...codeOf(again)]).toEqual([400, 400, 801]);
      const other = await t.call('bob', 'projects.create', { name: 'warden-compat' });
      expect(other.status).toBe(200);
      expect(other.data.id).not.toBe(project);
    });

    it("answers another company's project like a missing one, for reads, updates and deletes", async () => {
      for (const endpoint of ['projects.get_by_id', 'projects.update', 'projects.delete']) {
        const res = await t.call('bob', endpoint, { project, ...(endpoint === 'projects.update' && { name: 'stolen' }) });
        expect([endpoint, res.status, ...codeOf(res)]).toEqual([endpoint, 400, 400, 401]);
      }
      const mine = await t.call('alice', 'projects.get_by_id', { project });
      expect(mine.data.project).toMatchObject({ id: project, name: 'warden-compat', basename: 'warden-compat', company: ALICE.company, user: ALICE.user });
    });

    it("refuses a bad name pattern with ClearML's regex error", async () => {
      for (const name of ['(', '(?=x)a', 'x'.repeat(300)]) {
        const res = await t.call('alice', 'projects.get_all', { name });
        expect([name.slice(0, 10), res.status, ...codeOf(res)]).toEqual([name.slice(0, 10), 400, 400, 21]);
      }
    });

    it('renames within the same location only', async () => {
      const created = await t.call('alice', 'projects.create', { name: 'team/first' });
      const id = created.data.id as string;
      const renamed = await t.call('alice', 'projects.update', { project: id, name: 'team/second', description: 'd' });
      expect(renamed.data).toEqual({ updated: 1, fields: { name: 'team/second', basename: 'second', description: 'd' } });
      const moved = await t.call('alice', 'projects.update', { project: id, name: 'elsewhere/second' });
      expect(codeOf(moved)).toEqual([400, 408]);
    });
  });

  describe('tasks', () => {
    it('creates a task and returns the document the SDK type-checks', async () => {
      const id = await createTask('sdk-scenario');
      const res = await t.call('alice', 'tasks.get_by_id', { task: id });
      const task = res.data.task as Record<string, unknown>;
      expect(task).toMatchObject({
        id,
        name: 'sdk-scenario',
        user: ALICE.user,
        company: ALICE.company,
        project,
        type: 'training',
        status: 'created',
        status_reason: '',
        status_message: '',
        comment: 'c',
        system_tags: ['development'],
        tags: [],
        execution: { artifacts: [] },
        script: {},
        runtime: {},
        hyperparams: {},
        configuration: {},
        models: { input: [], output: [] },
        container: {},
        last_iteration: 0,
        last_metrics: {},
      });
      expect(task.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
      expect(task).not.toHaveProperty('method');
    });

    it("answers an unknown task and another company's task alike, for every task call", async () => {
      const id = await createTask('private-task');
      const bodies: Record<string, Record<string, unknown>> = {
        'tasks.get_by_id': {},
        'tasks.edit': { force: true, comment: 'stolen' },
        'tasks.started': { force: true },
        'tasks.completed': { force: true },
        'tasks.ping': {},
        'tasks.delete': { force: true },
        'tasks.add_or_update_artifacts': { force: true, artifacts: [] },
        'tasks.set_requirements': { requirements: {} },
        'tasks.get_hyper_params': { tasks: [id] },
        'tasks.edit_hyper_params': { force: true, hyperparams: [{ section: 'properties', name: 'p', value: 'v' }] },
        'tasks.delete_hyper_params': { force: true, hyperparams: [{ section: 'properties', name: 'p' }] },
        'tasks.get_configurations': { tasks: [id] },
        'tasks.edit_configuration': { force: true, configuration: [{ name: 'c', value: 'v' }] },
        'tasks.delete_configuration': { force: true, configuration: ['c'] },
      };
      for (const [endpoint, body] of Object.entries(bodies)) {
        for (const [as, task] of [
          ['bob', id],
          ['alice', 'f'.repeat(32)],
        ] as const) {
          const res = await t.call(as, endpoint, { ...(!body.tasks && { task }), ...body, ...(body.tasks ? { tasks: [task] } : {}) });
          expect([endpoint, as, res.status, ...codeOf(res)]).toEqual([endpoint, as, 400, 400, 101]);
        }
      }
      const bobs = await t.call('bob', 'tasks.get_all', { id: [id] });
      expect(bobs.data.tasks).toEqual([]);
      expect([...(await t.experiments.ownedTaskIds(ALICE.company, [id, 'nope']))]).toEqual([id]);
      expect([...(await t.experiments.ownedTaskIds(BOB.company, [id]))]).toEqual([]);
      await expect(t.experiments.assertTaskOwned(BOB.company, id)).rejects.toMatchObject({ code: 'ERR_INVALID_TASK_ID' });
    });

    it('says which tasks and models take events without allow_locked: neither a published task nor a ready model', async () => {
      const open = await createTask('writable-open');
      const published = await createTask('writable-published');
      expect((await t.call('alice', 'tasks.publish', { task: published, force: true })).status).toBe(200);
      expect([...(await t.experiments.writableTaskIds(ALICE.company, [open, published, 'nope']))]).toEqual([open]);
      expect([...(await t.experiments.writableTaskIds(BOB.company, [open]))]).toEqual([]);
      expect([...(await t.experiments.ownedTaskIds(ALICE.company, [published]))]).toEqual([published]);
      const draft = (await t.call('alice', 'models.create', { uri: 's3://b/draft', name: 'draft-model' })).data.id as string;
      const ready = (await t.call('alice', 'models.create', { uri: 's3://b/ready', name: 'ready-model' })).data.id as string;
      expect((await t.call('alice', 'models.set_ready', { model: ready, publish_task: false })).status).toBe(200);
      expect([...(await t.experiments.writableModelIds(ALICE.company, [draft, ready]))]).toEqual([draft]);
      expect([...(await t.experiments.writableModelIds(BOB.company, [draft]))]).toEqual([]);
      // Each one said at once, so the events service forgets that it took events before.
      expect(t.lockedIds).toEqual(expect.arrayContaining([`${ALICE.company}/${published}`, `${ALICE.company}/${ready}`]));
      expect(t.lockedIds).not.toContain(`${ALICE.company}/${open}`);
    });

    it("names the field of a malformed body, ignores the SDK's method field and refuses unknown ones", async () => {
      const cases: [Record<string, unknown>, string, number][] = [
        [{ project, type: 'training' }, 'name', 11],
        [{ name: 'no-type' }, 'type', 11],
        [{ name: 'bad-type', type: 'juggling' }, 'type', 12],
        [{ name: 'x', type: 'training' }, 'name', 12],
        [{ name: 'bad-tags', type: 'training', tags: 'a' }, 'tags', 12],
        [{ name: 'bad-script', type: 'training', script: { diff: 7 } }, 'script.diff', 12],
      ];
      for (const [body, field, subcode] of cases) {
        const res = await t.call('alice', 'tasks.create', body);
        expect([field, res.status, ...codeOf(res), (res.meta.error_data as { field?: string }).field]).toEqual([field, 400, 400, subcode, field]);
        expect(res.meta.result_msg).toContain(field);
      }
      const refused = await t.call('alice', 'tasks.create', { name: 'strict', type: 'testing', unknown_field: { a: 1 } });
      expect([refused.status, ...codeOf(refused), (refused.meta.error_data as { field?: string }).field]).toEqual([400, 400, 12, 'unknown_field']);
      expect(refused.meta.result_msg).toContain('unknown_field');
      expect((await t.call('alice', 'tasks.get_all', { name: '^strict$' })).data.tasks).toEqual([]);
    });

    it("follows ClearML's state machine: started, completed, restarted keeping its first start; no jump without force", async () => {
      const id = await createTask('status-task');
      const started = await t.call('alice', 'tasks.started', { task: id, force: false });
      expect(started.data).toMatchObject({ updated: 1, started: 1, fields: { status: 'in_progress', status_reason: '', status_message: '' } });
      const running = (await t.call('alice', 'tasks.get_by_id', { task: id })).data.task as Record<string, string>;
      expect(running.started).toBe((started.data.fields as Record<string, string>).started);

      const completed = await t.call('alice', 'tasks.completed', { task: id, force: false, status_reason: 'completed', publish: false });
      expect(completed.data).toMatchObject({ updated: 1, fields: { status: 'completed', status_reason: 'completed' } });

      const failed = await t.call('alice', 'tasks.failed', { task: id });
      expect([failed.status, ...codeOf(failed)]).toEqual([400, 400, 110]);
      const edit = await t.call('alice', 'tasks.edit', { task: id, comment: 'late' });
      expect(codeOf(edit)).toEqual([400, 110]);

      // clearml-server lets a completed task run again (Task.init's continue_last_task does so).
      const restarted = await t.call('alice', 'tasks.started', { task: id });
      expect(restarted.data).toMatchObject({ updated: 1, fields: { status: 'in_progress' } });
      const task = (await t.call('alice', 'tasks.get_by_id', { task: id })).data.task as Record<string, string>;
      expect(task.started).toBe(running.started);
      expect(task.completed).toBeDefined();

      const fresh = await createTask('jumping-task');
      expect(codeOf(await t.call('alice', 'tasks.stopped', { task: fresh }))).toEqual([400, 110]);
      expect((await t.call('alice', 'tasks.completed', { task: fresh, force: true })).data).toMatchObject({ updated: 1, fields: { status: 'completed' } });
    });

    it('edits a created task, and a running one only with force, merging the script', async () => {
      const id = await createTask('edit-task');
      const script = { binary: 'python3', repository: '', branch: '', version_num: '', entry_point: 'scenario.py', working_dir: '.', diff: 'print(1)\n' };
      const edited = await t.call('alice', 'tasks.edit', { task: id, force: true, script });
      expect(edited.data).toMatchObject({ updated: 1, fields: { script } });
      await t.call('alice', 'tasks.set_requirements', { task: id, requirements: { pip: 'numpy==1.0\n' } });
      await t.call('alice', 'tasks.started', { task: id });
      const refused = await t.call('alice', 'tasks.edit', { task: id, runtime: { progress: '0' } });
      expect(codeOf(refused)).toEqual([400, 110]);
      const runtime = { 'CLEARML VERSION': '2.1.12', CLI: 'scenario.py', progress: '0', 'odd.key$': 1 };
      await t.call('alice', 'tasks.edit', {
        task: id,
        force: true,
        runtime,
        hyperparams: { Args: { 'optimizer.lr': { section: 'Args', name: 'optimizer.lr', value: '0.1' } } },
      });
      const task = (await t.call('alice', 'tasks.get_by_id', { task: id })).data.task as Record<string, unknown>;
      expect(task.script).toEqual({ ...script, requirements: { pip: 'numpy==1.0\n' } });
      expect(task.runtime).toEqual(runtime);
      expect(task.hyperparams).toEqual({ Args: { 'optimizer.lr': { section: 'Args', name: 'optimizer.lr', value: '0.1' } } });
      // A cosmetic edit does not move last_update, whatever ignored field rides along.
      const renamed = await t.call('alice', 'tasks.edit', { task: id, force: true, name: 'edit-task-2', input: null });
      expect(renamed.data.fields).not.toHaveProperty('input');
      const after = (await t.call('alice', 'tasks.get_by_id', { task: id })).data.task as Record<string, unknown>;
      expect([after.name, after.last_update]).toEqual(['edit-task-2', task.last_update]);
    });

    it('upserts artifacts by key and mode when the SDK resends the whole list', async () => {
      const id = await createTask('artifact-task');
      await t.call('alice', 'tasks.started', { task: id });
      const a = {
        key: 'payload',
        type: 'custom',
        uri: 'http://files/p/payload.bin',
        content_size: 10,
        hash: 'ab',
        timestamp: 1700000000,
        type_data: { preview: '', content_type: 'application/octet-stream' },
      };
      const b = { key: 'config.json', type: 'dict', uri: 'http://files/p/config.json', content_size: 2, timestamp: 1700000001 };
      expect((await t.call('alice', 'tasks.add_or_update_artifacts', { task: id, force: true, artifacts: [a] })).data).toEqual({ updated: 1 });
      await t.call('alice', 'tasks.add_or_update_artifacts', { task: id, force: true, artifacts: [{ ...a, content_size: 20 }, b] });
      await t.call('alice', 'tasks.add_or_update_artifacts', { task: id, artifacts: [{ ...b, mode: 'input' }] });
      const artifacts = ((await t.call('alice', 'tasks.get_by_id', { task: id })).data.task as { execution: { artifacts: unknown[] } }).execution.artifacts;
      expect(artifacts).toEqual(
        [
          { ...b, mode: 'output' },
          { ...b, mode: 'input' },
          { ...a, content_size: 20, mode: 'output' },
        ].sort((x, y) => x.key.localeCompare(y.key)),
      );
      expect((await t.call('alice', 'tasks.delete_artifacts', { task: id, artifacts: [{ key: 'config.json', mode: 'input' }] })).data).toEqual({ deleted: 1 });
      const after = ((await t.call('alice', 'tasks.get_by_id', { task: id })).data.task as { execution: { artifacts: { key: string; mode: string }[] } })
        .execution.artifacts;
      expect(after.map((x) => `${x.key}/${x.mode}`)).toEqual(['config.json/output', 'payload/output']);

      await t.call('alice', 'tasks.completed', { task: id });
      const closed = await t.call('alice', 'tasks.add_or_update_artifacts', { task: id, force: true, artifacts: [a] });
      expect(codeOf(closed)).toEqual([400, 110]);
      const missingKey = await t.call('alice', 'tasks.add_or_update_artifacts', { task: id, artifacts: [{ type: 'x' }] });
      expect([missingKey.status, (missingKey.meta.error_data as { field: string }).field]).toEqual([400, 'artifacts.0.key']);
    });

    it('filters, projects and pages get_all as the SDK and the UI ask', async () => {
      const { data } = await t.call('alice', 'projects.create', { name: 'listing' });
      const listing = data.id as string;
      const ids: string[] = [];
      for (const [i, tags] of [['a'], ['b'], ['a', 'b'], []].entries()) {
        const res = await t.call('alice', 'tasks.create', { name: `list-${i}`, project: listing, type: i === 3 ? 'testing' : 'training', tags });
        ids.push(res.data.id as string);
      }
      await t.call('alice', 'tasks.started', { task: ids[0] });
      await t.call('anna', 'tasks.create', { name: 'list-anna', project: listing, type: 'training', system_tags: ['hidden'] });
      const names = async (body: Record<string, unknown>) =>
        ((await t.call('alice', 'tasks.get_all', { project: [listing], order_by: ['name'], ...body })).data.tasks as { name: string }[]).map(
          (task) => task.name,
        );

      expect(await names({})).toEqual(['list-0', 'list-1', 'list-2', 'list-3']);
      expect(await names({ search_hidden: true })).toEqual(['list-0', 'list-1', 'list-2', 'list-3', 'list-anna']);
      expect(await names({ status: ['in_progress'] })).toEqual(['list-0']);
      expect(await names({ status: ['-in_progress'], type: ['training'] })).toEqual(['list-1', 'list-2']);
      expect(await names({ tags: ['a'] })).toEqual(['list-0', 'list-2']);
      expect(await names({ tags: ['-a'] })).toEqual(['list-1', 'list-3']);
      expect(await names({ tags: ['__$all', 'a', 'b'] })).toEqual(['list-2']);
      expect(await names({ name: '^LIST-[12]$' })).toEqual(['list-1', 'list-2']);
      expect(await names({ user: [ALICE.user], search_hidden: true, order_by: ['-name'] })).toEqual(['list-3', 'list-2', 'list-1', 'list-0']);
      expect(await names({ page: 1, page_size: 3 })).toEqual(['list-3']);
      expect(await names({ id: [ids[1], ids[3]] })).toEqual(['list-1', 'list-3']);

      const polled = await t.call('alice', 'tasks.get_all', { id: [ids[0]], only_fields: ['status', 'status_message', 'id'], search_hidden: false });
      expect(polled.data.tasks).toEqual([{ id: ids[0], status: 'in_progress', status_message: '' }]);
      const dotted = await t.call('alice', 'tasks.get_all', { id: [ids[0]], only_fields: ['execution.artifacts', 'models.output'] });
      expect(dotted.data.tasks).toEqual([{ id: ids[0], execution: { artifacts: [] }, models: { output: [] } }]);

      for (const [body, field] of [
        [{ page: 1 }, 'page_size'],
        [{ page_size: 0 }, 'page_size'],
        [{ only_fields: ['$where'] }, 'only_fields'],
        [{ order_by: ['a;b'] }, 'order_by'],
        [{ status: 5 }, 'status'],
      ] as const) {
        const res = await t.call('alice', 'tasks.get_all', body);
        expect([field, res.status, (res.meta.error_data as { field: string }).field]).toEqual([field, 400, field]);
      }
    });

    it('deletes a created task with its events, and a running one only with force', async () => {
      const id = await createTask('doomed-task');
      await t.call('alice', 'tasks.started', { task: id });
      const refused = await t.call('alice', 'tasks.delete', { task: id });
      expect(codeOf(refused)).toEqual([400, 123]);
      expect(t.deletedTasks).not.toContain(`${ALICE.company}/${id}`);
      const deleted = await t.call('alice', 'tasks.delete', { task: id, force: true });
      expect(deleted.data).toMatchObject({ deleted: true });
      expect(t.deletedTasks).toContain(`${ALICE.company}/${id}`);
      expect(codeOf(await t.call('alice', 'tasks.get_by_id', { task: id }))).toEqual([400, 101]);
    });
  });

  describe('project delete', () => {
    it('refuses a project with tasks unless forced, then deletes its tasks and their events', async () => {
      const { data } = await t.call('alice', 'projects.create', { name: 'to-delete' });
      const id = data.id as string;
      const taskId = (await t.call('alice', 'tasks.create', { name: 'inside', project: id, type: 'training' })).data.id as string;
      expect(codeOf(await t.call('alice', 'projects.delete', { project: id }))).toEqual([400, 402]);
      const deleted = await t.call('alice', 'projects.delete', { project: id, force: true, delete_contents: true });
      expect(deleted.data).toMatchObject({ deleted: 1, deleted_tasks: 1 });
      expect(t.deletedTasks).toContain(`${ALICE.company}/${taskId}`);
      expect(codeOf(await t.call('alice', 'projects.get_by_id', { project: id }))).toEqual([400, 401]);
    });

    it('with force alone, keeps the tasks and detaches them', async () => {
      const { data } = await t.call('alice', 'projects.create', { name: 'to-detach' });
      const id = data.id as string;
      const taskId = (await t.call('alice', 'tasks.create', { name: 'orphan', project: id, type: 'training' })).data.id as string;
      expect((await t.call('alice', 'projects.delete', { project: id, force: true })).data).toMatchObject({ deleted: 1, disassociated_tasks: 1 });
      const task = (await t.call('alice', 'tasks.get_by_id', { task: taskId })).data.task as Record<string, unknown>;
      expect(task).not.toHaveProperty('project');
    });
  });
});
