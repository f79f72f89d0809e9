import { startTestApp, type TestApp } from './testing/int-test-app';

// Task.init(project_name='a/b/c') creates the project by its full name; ClearML then creates each missing
// ancestor, so that Task.get_project_id('a/b') and Task.get_projects() see the tree the user named.
describe('nested project names (real FerretDB)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const byName = async (who: 'alice' | 'bob', name: string) => {
    const res = await t.call(who, 'projects.get_all', { name: `^${name}$`, only_fields: ['id', 'name', 'basename', 'parent'], search_hidden: true });
    expect(res.status).toBe(200);
    return res.data.projects as { id: string; name: string; basename: string; parent?: string }[];
  };

  const namesOf = (projects: unknown) => (projects as { name: string }[]).map((p) => p.name);

  it("creates each missing ancestor of a/b/c, linked by parent, in the caller's company only", async () => {
    const created = await t.call('alice', 'projects.create', { name: 'nest/inner/leaf', system_tags: ['hidden'] });
    expect(created.status).toBe(200);
    const [top] = await byName('alice', 'nest');
    const [inner] = await byName('alice', 'nest/inner');
    const [leaf] = await byName('alice', 'nest/inner/leaf');
    expect(top).toEqual({ id: expect.any(String), name: 'nest', basename: 'nest' });
    expect(inner).toEqual({ id: expect.any(String), name: 'nest/inner', basename: 'inner', parent: top.id });
    expect(leaf).toEqual({ id: created.data.id, name: 'nest/inner/leaf', basename: 'leaf', parent: inner.id });
    // Ancestors are plain projects: the leaf's system tags (a dataset's `hidden`) are not inherited.
    const shown = await t.call('alice', 'projects.get_by_id', { project: inner.id });
    expect(shown.data.project).toMatchObject({ system_tags: [], description: '' });
    expect(await byName('bob', 'nest')).toEqual([]);
  });

  it('reuses existing ancestors for a sibling', async () => {
    const [inner] = await byName('alice', 'nest/inner');
    const sibling = await t.call('alice', 'projects.create', { name: 'nest/inner/other' });
    expect(sibling.status).toBe(200);
    expect(await byName('alice', 'nest/inner/other')).toEqual([{ id: sibling.data.id, name: 'nest/inner/other', basename: 'other', parent: inner.id }]);
    expect(await byName('alice', 'nest/inner')).toHaveLength(1);
  });

  it('lists only top-level projects for shallow_search', async () => {
    const res = await t.call('alice', 'projects.get_all', { name: '^nest', shallow_search: true, only_fields: ['name'] });
    expect(namesOf(res.data.projects)).toEqual(['nest']);
  });

  it('renames the subprojects of a renamed project', async () => {
    const [inner] = await byName('alice', 'nest/inner');
    const renamed = await t.call('alice', 'projects.update', { project: inner.id, name: 'nest/middle' });
    expect(renamed.status).toBe(200);
    const names = await t.call('alice', 'projects.get_all', { name: '^nest/', only_fields: ['name'], order_by: ['name'], search_hidden: true });
    expect(namesOf(names.data.projects)).toEqual(['nest/middle', 'nest/middle/leaf', 'nest/middle/other']);
  });

  it('deletes a project with its subprojects, refusing while a subproject has tasks', async () => {
    const [leaf] = await byName('alice', 'nest/middle/leaf');
    const task = await t.call('alice', 'tasks.create', { name: 'in-leaf', project: leaf.id, type: 'training' });
    expect(task.status).toBe(200);
    const [top] = await byName('alice', 'nest');
    const refused = await t.call('alice', 'projects.delete', { project: top.id });
    expect([refused.status, refused.meta.result_code, refused.meta.result_subcode]).toEqual([400, 400, 402]);
    const deleted = await t.call('alice', 'projects.delete', { project: top.id, force: true });
    expect(deleted.data).toMatchObject({ deleted: 4, disassociated_tasks: 1 });
    const left = await t.call('alice', 'projects.get_all', { name: '^nest', search_hidden: true, only_fields: ['name'] });
    expect(left.data.projects).toEqual([]);
  });

  it("refuses a name deeper than ClearML's 10 levels, creating none of it", async () => {
    const res = await t.call('alice', 'projects.create', { name: Array.from({ length: 11 }, (_, i) => `deep${i}`).join('/') });
    expect([res.status, res.meta.result_code, res.meta.result_subcode]).toEqual([400, 400, 409]);
    expect(await byName('alice', 'deep0')).toEqual([]);
  });
});
