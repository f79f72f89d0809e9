import type { Connection } from 'mongoose';
import { GroupStore } from './groups';
import { IdentityStore } from './identity-store';
import { openTestDatabase } from './testing/test-backends';
import { codeOf } from './testing/rejection';

describe('GroupStore (real FerretDB)', () => {
  let db: { connection: Connection; drop: () => Promise<void> };
  let store: IdentityStore;
  let groups: GroupStore;
  let a: string;
  let b: string;
  let ada: string;
  let bob: string;
  let eve: string;

  beforeAll(async () => {
    db = await openTestDatabase();
    store = new IdentityStore({ connection: db.connection, credentialPepper: 'pepper-for-groups-spec-0123456789' });
    groups = new GroupStore(db.connection);
    await store.ensureIndexes();
    await groups.ensureIndexes();
    a = (await store.ensureCompany({ name: 'A' })).id;
    b = (await store.ensureCompany({ name: 'B' })).id;
    ada = (await store.createUser({ company: a, username: 'g-ada' })).id;
    bob = (await store.createUser({ company: a, username: 'g-bob' })).id;
    eve = (await store.createUser({ company: b, username: 'g-eve' })).id;
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('keeps names unique per company regardless of case, and apart between companies', async () => {
    const ml = await groups.create(a, '  ML Team ');
    expect(ml).toMatchObject({ name: 'ML Team', company: a, members: [] });
    expect(await codeOf(groups.create(a, 'ml team'))).toBe('ERR_GROUP_EXISTS');
    await expect(groups.create(b, 'ML TEAM')).resolves.toMatchObject({ name: 'ML TEAM', company: b });
    const ops = await groups.create(a, 'Ops');
    expect(await codeOf(groups.rename(a, ops.id, 'ml TEAM'))).toBe('ERR_GROUP_EXISTS');
    await expect(groups.rename(a, ops.id, 'Operations')).resolves.toMatchObject({ id: ops.id, name: 'Operations' });
    await expect(groups.rename(a, ops.id, 'operations')).resolves.toMatchObject({ name: 'operations' });
    expect((await groups.list(a)).map((g) => g.name)).toEqual(['ML Team', 'operations']);
  });

  it('stores hostile names as text and refuses over-long or control-character names, saving nothing', async () => {
    const hostile = '<img src=x onerror=alert(1)>\u202Egnp.exe\u200B';
    await expect(groups.create(a, hostile)).resolves.toMatchObject({ name: hostile });
    const before = await db.connection.collection('groups').countDocuments();
    expect(await codeOf(groups.create(a, 'x'.repeat(129)))).toBe('ERR_BAD_REQUEST');
    expect(await codeOf(groups.create(a, 'line\nbreak'))).toBe('ERR_BAD_REQUEST');
    expect(await codeOf(groups.create(a, '   '))).toBe('ERR_BAD_REQUEST');
    expect(await codeOf(groups.create(a, { $gt: '' }))).toBe('ERR_BAD_REQUEST');
    expect(await db.connection.collection('groups').countDocuments()).toBe(before);
    await expect(groups.create(a, 'y'.repeat(128))).resolves.toMatchObject({ name: 'y'.repeat(128) });
  });

  it('adds and removes members of the same company only, without nested arrays', async () => {
    const g = await groups.create(a, 'Members');
    expect(await groups.addMember(a, g.id, ada)).toBe(true);
    expect(await groups.addMember(a, g.id, ada)).toBe(false);
    expect(await groups.addMember(a, g.id, bob)).toBe(true);
    expect(await codeOf(groups.addMember(a, g.id, eve))).toBe('ERR_INVALID_USER');
    expect(await codeOf(groups.addMember(a, g.id, 'nobody'))).toBe('ERR_INVALID_USER');
    expect((await groups.get(a, g.id))?.members).toEqual([ada, bob]);
    expect(await groups.removeMember(a, g.id, bob)).toBe(true);
    expect(await groups.removeMember(a, g.id, bob)).toBe(false);
    expect((await groups.list(a)).find((x) => x.id === g.id)?.members).toEqual([ada]);
    expect(await groups.groupsOf(a, ada)).toEqual([{ id: g.id, name: 'Members' }]);
    const raw = [...(await db.connection.collection('groups').find().toArray()), ...(await db.connection.collection('group_members').find().toArray())];
    expect(raw.every((doc) => Object.values(doc).every((v) => !Array.isArray(v)))).toBe(true);
  });

  it('never lets one company see or change the groups of another', async () => {
    const theirs = await groups.create(b, 'Theirs');
    await groups.addMember(b, theirs.id, eve);
    expect(await groups.get(a, theirs.id)).toBeNull();
    expect((await groups.list(a)).map((g) => g.id)).not.toContain(theirs.id);
    expect(await codeOf(groups.rename(a, theirs.id, 'Mine now'))).toBe('ERR_NOT_FOUND');
    expect(await codeOf(groups.delete(a, theirs.id))).toBe('ERR_NOT_FOUND');
    expect(await codeOf(groups.addMember(a, theirs.id, ada))).toBe('ERR_NOT_FOUND');
    expect(await codeOf(groups.removeMember(a, theirs.id, eve))).toBe('ERR_NOT_FOUND');
    expect(await groups.groupsOf(a, eve)).toEqual([]);
    expect(await groups.findByNames(a, ['theirs'])).toEqual([]);
    expect(await groups.get(b, theirs.id)).toMatchObject({ name: 'Theirs', members: [eve] });
  });

  it('deletes a group with its memberships', async () => {
    const g = await groups.create(a, 'Short-lived');
    await groups.addMember(a, g.id, bob);
    await expect(groups.delete(a, g.id)).resolves.toMatchObject({ name: 'Short-lived', members: [bob] });
    expect(await groups.get(a, g.id)).toBeNull();
    expect(await db.connection.collection('group_members').countDocuments({ group: g.id })).toBe(0);
    expect(await groups.groupsOf(a, bob)).toEqual([]);
    // The name is free again.
    await expect(groups.create(a, 'short-LIVED')).resolves.toMatchObject({ name: 'short-LIVED' });
  });

  it('finds groups by claim names and sets a user memberships to exactly a list (SSO sync)', async () => {
    const [x, y, manual] = [await groups.create(a, 'sso-x'), await groups.create(a, 'SSO-Y'), await groups.create(a, 'manual')];
    expect((await groups.findByNames(a, ['SSO-X', 'sso-y', 'missing', ''])).map((g) => g.id)).toEqual([x.id, y.id]);
    await groups.addMember(a, manual.id, bob);
    await groups.addMember(a, x.id, bob);
    // Only the SSO-managed groups are touched: `manual` stays.
    expect(await groups.setMemberships(a, bob, [y.id], [x.id, y.id])).toEqual({ added: [y.id], removed: [x.id] });
    expect((await groups.groupsOf(a, bob)).map((g) => g.name)).toEqual(['manual', 'SSO-Y']);
    const cleared = await groups.setMemberships(a, bob, []);
    expect([cleared.added, [...cleared.removed].sort()]).toEqual([[], [manual.id, y.id].sort()]);
    expect(await groups.groupsOf(a, bob)).toEqual([]);
    const foreign = await groups.create(b, 'foreign');
    expect(await codeOf(groups.setMemberships(a, bob, [foreign.id]))).toBe('ERR_NOT_FOUND');
    expect(await codeOf(groups.setMemberships(a, eve, [x.id]))).toBe('ERR_INVALID_USER');
    expect((await groups.groupsOf(b, eve)).map((g) => g.name)).toEqual(['Theirs']);
  });
});
