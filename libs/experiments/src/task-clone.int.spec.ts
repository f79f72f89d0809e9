import { ALICE, startTestApp, type TestApp, resultCode as codeOf } from './testing/int-test-app';

describe('tasks.clone (real FerretDB)', () => {
  let t: TestApp;
  let project: string;

  beforeAll(async () => {
    t = await startTestApp();
    project = (await t.call('alice', 'projects.create', { name: 'clone-source' })).data.id as string;
  });
  afterAll(() => t.close());

  const ok: TestApp['ok'] = (as, endpoint, body) => t.ok(as, endpoint, body);
  const getTask = async (task: string) => (await ok('alice', 'tasks.get_by_id', { task })).task as Record<string, unknown>;
  const count = async (collection: string) => t.connection.collection(collection).countDocuments();

  const hyperparams = {
    Args: { lr: { section: 'Args', name: 'lr', value: '0.1', type: 'float' } },
    'opt.v1': { 'a.b': { section: 'opt.v1', name: 'a.b', value: 'x' } },
  };
  const configuration = { General: { name: 'General', value: 'a: 1', type: 'dictionary' } };

  /** A task that ran: an input and an output artifact, an output model, an iteration, a runtime, then stopped. */
  async function finishedTask(extra: Record<string, unknown> = {}) {
    const input = (await ok('alice', 'models.create', { name: 'pretrained', uri: 'file:///in.pt', ready: true })).id as string;
    const task = (
      await ok('alice', 'tasks.create', {
        name: 'trained',
        type: 'training',
        project,
        comment: 'the original',
        tags: ['exp'],
        system_tags: ['development', 'archived', 'keep'],
        output_dest: 'file:///out',
        script: { entry_point: 'train.py', requirements: { pip: ['torch'] } },
        execution: { queue: 'q1', framework: 'pytorch' },
        hyperparams,
        configuration,
        container: { image: 'python:3.11', arguments: '' },
        models: { input: [{ name: 'Input Model', model: input }] },
        runtime: { gpu: 'none' },
        ...extra,
      })
    ).id as string;
    await ok('alice', 'tasks.started', { task });
    await ok('alice', 'tasks.add_or_update_artifacts', {
      task,
      artifacts: [
        { key: 'data', type: 'custom', mode: 'input', uri: 'file:///data' },
        { key: 'result', type: 'custom', mode: 'output', uri: 'file:///result' },
      ],
    });
    const output = (await ok('alice', 'models.create', { name: 'weights', uri: 'file:///w.pt', task })).id as string;
    await ok('alice', 'tasks.add_or_update_model', { task, name: 'weights', type: 'output', model: output, iteration: 12 });
    await ok('alice', 'tasks.stopped', { task });
    return { task, input, output };
  }

  it('copies the definition into a new created task and leaves every result behind', async () => {
    const { task, input } = await finishedTask();
    const source = await getTask(task);
    expect(source.last_iteration).toBe(12);

    const cloned = await ok('alice', 'tasks.clone', { task });
    expect(Object.keys(cloned)).toEqual(['id']);
    const clone = await getTask(cloned.id as string);
    expect(clone).toMatchObject({
      name: 'trained',
      type: 'training',
      status: 'created',
      project,
      parent: task,
      comment: 'the original',
      user: ALICE.user,
      tags: ['exp'],
      system_tags: ['keep'],
      output: { destination: 'file:///out' },
      script: { entry_point: 'train.py', requirements: { pip: ['torch'] } },
      hyperparams,
      configuration,
      container: { image: 'python:3.11', arguments: '' },
      last_iteration: 0,
      last_metrics: {},
      runtime: {},
    });
    expect(clone.models).toEqual({ input: [expect.objectContaining({ name: 'Input Model', model: input })], output: [] });
    const execution = clone.execution as { artifacts: { key: string }[]; queue?: string; framework?: string };
    expect(execution.artifacts.map((a) => a.key)).toEqual(['data']);
    expect(execution.queue).toBeUndefined();
    expect(execution.framework).toBe('pytorch');
    expect(clone.started).toBeUndefined();
    expect(clone.completed).toBeUndefined();
    expect(clone.created).not.toBe(source.created);
    // The original is untouched.
    expect(await getTask(task)).toEqual(source);
  });

  it("keeps the original's parent as the clone's parent", async () => {
    const parent = (await ok('alice', 'tasks.create', { name: 'grandparent', type: 'training' })).id as string;
    const child = (await ok('alice', 'tasks.create', { name: 'child', type: 'training', parent })).id as string;
    const cloned = await ok('alice', 'tasks.clone', { task: child });
    expect((await getTask(cloned.id as string)).parent).toBe(parent);
  });

  it('applies every new_task_* override and execution_overrides', async () => {
    const { task } = await finishedTask();
    const other = (await ok('alice', 'projects.create', { name: 'clone-target' })).id as string;
    const parent = (await ok('alice', 'tasks.create', { name: 'other parent', type: 'testing' })).id as string;
    const model = (await ok('alice', 'models.create', { name: 'm2', uri: 'file:///m2' })).id as string;
    const newParams = { Args: { epochs: { section: 'Args', name: 'epochs', value: '3' } } };
    const newConfig = { Extra: { name: 'Extra', value: 'b: 2' } };
    const cloned = await ok('alice', 'tasks.clone', {
      task,
      new_task_name: 'tuned',
      new_task_comment: 'second try',
      new_task_tags: ['t2'],
      new_task_system_tags: ['s2'],
      new_task_parent: parent,
      new_task_project: other,
      new_task_hyperparams: newParams,
      new_task_configuration: newConfig,
      new_task_container: { image: 'nvidia/cuda', arguments: '--gpus all' },
      new_task_input_models: [{ name: 'base', model }],
      execution_overrides: { framework: 'jax', artifacts: [{ key: 'extra', type: 'custom', mode: 'input', uri: 'file:///x' }] },
      validate_references: true,
    });
    const clone = await getTask(cloned.id as string);
    expect(clone).toMatchObject({
      name: 'tuned',
      comment: 'second try',
      tags: ['t2'],
      system_tags: ['s2'],
      parent,
      project: other,
      hyperparams: newParams,
      configuration: newConfig,
      container: { image: 'nvidia/cuda', arguments: '--gpus all' },
    });
    expect((clone.models as { input: unknown[] }).input).toEqual([expect.objectContaining({ name: 'base', model })]);
    const execution = clone.execution as { artifacts: { key: string }[]; framework: string };
    expect([execution.framework, execution.artifacts.map((a) => a.key)]).toEqual(['jax', ['extra']]);
  });

  it("maps execution_overrides' model and docker_cmd to an input model and a container", async () => {
    const { task } = await finishedTask();
    const model = (await ok('alice', 'models.create', { name: 'm3', uri: 'file:///m3' })).id as string;
    const cloned = await ok('alice', 'tasks.clone', { task, execution_overrides: { model, docker_cmd: 'python:3.12 -e A=1 --ipc=host' } });
    const clone = await getTask(cloned.id as string);
    expect((clone.models as { input: unknown[] }).input).toEqual([expect.objectContaining({ name: 'Input Model', model })]);
    expect(clone.container).toEqual({ image: 'python:3.12', arguments: '-e A=1 --ipc=host' });
  });

  it('clones into a project by name, made once and then reused', async () => {
    const { task } = await finishedTask();
    const before = await count('projects');
    const first = await ok('alice', 'tasks.clone', { task, new_project_name: 'clones/by-name' });
    const newProject = first.new_project as { id: string; name: string };
    expect(newProject).toEqual({ id: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'clones/by-name' });
    // The project and its parent `clones`, as ClearML creates missing ancestors.
    expect(await count('projects')).toBe(before + 2);
    const second = await ok('alice', 'tasks.clone', { task, new_project_name: 'clones/by-name' });
    expect((second.new_project as { id: string }).id).toBe(newProject.id);
    expect((await getTask(second.id as string)).project).toBe(newProject.id);
    expect(await count('projects')).toBe(before + 2);
  });

  it('refuses a bad reference before writing anything: no task, no project', async () => {
    const { task } = await finishedTask();
    const bobsProject = (await ok('bob', 'projects.create', { name: 'bobs' })).id as string;
    const bobsTask = (await ok('bob', 'tasks.create', { name: 'bobs task', type: 'training' })).id as string;
    const bobsModel = (await ok('bob', 'models.create', { name: 'bobs model', uri: 'file:///b' })).id as string;
    const [tasksBefore, projectsBefore] = [await count('tasks'), await count('projects')];
    const cases: [Record<string, unknown>, number[]][] = [
      [{ new_task_parent: 'f'.repeat(32) }, [400, 101]],
      [{ new_task_parent: bobsTask, new_project_name: 'never-made' }, [400, 101]],
      [{ new_task_project: 'f'.repeat(32) }, [400, 401]],
      [{ new_task_project: bobsProject }, [400, 401]],
      [{ new_task_input_models: [{ name: 'x', model: bobsModel }], new_project_name: 'never-made' }, [400, 201]],
      [{ execution_overrides: { model: 'f'.repeat(32) } }, [400, 201]],
      [{ new_task_name: 'ab' }, [400, 12]],
      [{ new_task_hyperparams: { Args: { lr: { value: 1 } } } }, [400, 12]],
    ];
    for (const [overrides, code] of cases) {
      const res = await t.call('alice', 'tasks.clone', { task, ...overrides });
      expect([overrides, res.status, ...codeOf(res)]).toEqual([overrides, 400, ...code]);
    }
    expect([await count('tasks'), await count('projects')]).toEqual([tasksBefore, projectsBefore]);
  });

  it("answers another company's task like a missing one", async () => {
    const { task } = await finishedTask();
    const before = await count('tasks');
    for (const id of [task, 'f'.repeat(32)]) {
      const res = await t.call('bob', 'tasks.clone', { task: id });
      expect([res.status, ...codeOf(res)]).toEqual([400, 400, 101]);
    }
    expect(await count('tasks')).toBe(before);
  });

  it('validates copied references only when asked to (validate_references), as ClearML does', async () => {
    const task = (await ok('alice', 'tasks.create', { name: 'orphan', type: 'training', project })).id as string;
    const gone = (await ok('alice', 'projects.create', { name: 'to-delete' })).id as string;
    await ok('alice', 'projects.delete', { project: gone });
    // A task left pointing at a deleted project (ClearML can hold such references too).
    await t.connection.collection('tasks').updateOne({ _id: task as never }, { $set: { project: gone } });
    expect((await t.call('alice', 'tasks.clone', { task })).status).toBe(200);
    expect(codeOf(await t.call('alice', 'tasks.clone', { task, validate_references: true }))).toEqual([400, 401]);
  });
});
