import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { RedisClientType } from 'redis';
import { RevocationList, type TokenClaims } from '@warden/tokens';
import { AuditQueries } from './audit-query';
import { AuditTrail } from './audit-trail';
import { CompanyAdmin } from './company-admin';
import { IdentityStore } from './identity-store';
import { MongoRevocationRecord } from './revocation-record';
import { expectNoSecretIn, openTestDatabase, openTestRedis } from './testing/test-backends';
import { codeOf } from './testing/rejection';

const PASSWORD = 'correct horse battery staple 42';
const nowSec = () => Math.floor(Date.now() / 1000);

describe('CompanyAdmin (real FerretDB and Redis)', () => {
  let db: { connection: Connection; drop: () => Promise<void> };
  let redis: RedisClientType;
  let store: IdentityStore;
  let audit: AuditTrail;
  let revocations: RevocationList;
  let admin: CompanyAdmin;
  let clock: number;
  let a: { company: string; user: string };
  let b: { company: string; user: string };

  // A token of a login made a second ago, as the verifiers see it.
  const claimsOf = (user: string, accessKey?: string): TokenClaims =>
    ({ identity: { user }, auth: { access_key: accessKey }, iat: nowSec() - 1, session_id: `s-${user}` }) as unknown as TokenClaims;

  const companyWithAdmin = async (name: string) => {
    const company = await store.ensureCompany({ name });
    const user = await store.createUser({ company: company.id, username: `${name}-admin-${randomBytes(3).toString('hex')}`, role: 'admin' });
    return { company: company.id, user: user.id };
  };

  beforeAll(async () => {
    db = await openTestDatabase();
    redis = await openTestRedis();
    store = new IdentityStore({ connection: db.connection, credentialPepper: 'pepper-for-admin-spec-0123456789' });
    audit = new AuditTrail({ connection: db.connection, flushIntervalMs: 10 });
    revocations = new RevocationList({
      redis,
      channelPrefix: `warden-test:admin:${randomBytes(6).toString('hex')}`,
      record: new MongoRevocationRecord({ connection: db.connection, horizonSec: 3600 }),
    });
    await revocations.start();
    clock = Date.now();
    admin = new CompanyAdmin({
      connection: db.connection,
      store,
      audit,
      invitationTtlSec: 3600,
      now: () => new Date(clock),
      sessions: {
        endUserTokens: (user) => revocations.revokeUser(user, nowSec() + 3600),
        revokeCredentialTokens: (key) => revocations.revokeCredential(key, nowSec() + 3600),
      },
    });
    await store.ensureIndexes();
    await admin.ensureIndexes();
    a = await companyWithAdmin('A');
    b = await companyWithAdmin('B');
  });
  afterAll(async () => {
    await revocations.stop();
    await audit.close();
    await store.close();
    await redis.quit();
    await db.drop();
  });

  it("never lets company A's admin see or change company B's users, credentials, groups or audit", async () => {
    const bUser = await store.createUser({ company: b.company, username: `b-user-${randomBytes(3).toString('hex')}` });
    const bKey = await store.createCredentials(bUser.id);
    const bGroup = await admin.groups.create(b, 'B only');
    await admin.groups.create(a, 'A only');
    expect((await admin.users.list(a)).map((u) => u.company)).toEqual([a.company]);
    expect(await codeOf(admin.users.get(a, bUser.id))).toBe('ERR_INVALID_USER');
    expect(await codeOf(admin.users.setEnabled(a, bUser.id, false))).toBe('ERR_INVALID_USER');
    expect(await codeOf(admin.users.setRole(a, b.user, 'user'))).toBe('ERR_INVALID_USER');
    expect(await codeOf(admin.users.credentials(a, bUser.id))).toBe('ERR_INVALID_USER');
    expect(await codeOf(admin.users.revokeCredential(a, bKey.access_key))).toBe('ERR_INVALID_ACCESS_KEY');
    expect(await codeOf(admin.users.invite(a, bUser.id))).toBe('ERR_INVALID_USER');
    expect(await codeOf(admin.groups.rename(a, bGroup.id, 'mine'))).toBe('ERR_NOT_FOUND');
    expect(await codeOf(admin.groups.delete(a, bGroup.id))).toBe('ERR_NOT_FOUND');
    expect(await codeOf(admin.groups.addMember(a, bGroup.id, a.user))).toBe('ERR_NOT_FOUND');
    expect((await admin.groups.list(a)).map((g) => g.id)).not.toContain(bGroup.id);
    // An actor claiming company B with A's user id is no admin of B.
    expect(await codeOf(admin.users.list({ user: a.user, company: b.company }))).toBe('ERR_FORBIDDEN');
    await audit.flush();
    const page = await admin.audit(a, { limit: 200, ...({ company: b.company } as object) });
    expect(page.events.length).toBeGreaterThan(0);
    expect(page.events.every((e) => e.company === a.company)).toBe(true);
    expect((await admin.audit(b, {})).events.map((e) => e.group)).toContain(bGroup.id);
    expect(await store.getUser(bUser.id)).toMatchObject({ enabled: true });
    expect((await store.getCredential(bKey.access_key))?.revoked).toBeUndefined();
    expect((await admin.groups.list(b)).map((g) => g.name)).toEqual(['B only']);
  });

  it('refuses non-admins, disabled admins and demoted admins at once, whatever their token says', async () => {
    const plain = await store.createUser({ company: a.company, username: `plain-${randomBytes(3).toString('hex')}` });
    expect(await codeOf(admin.users.list({ user: plain.id, company: a.company }))).toBe('ERR_FORBIDDEN');
    expect(await codeOf(admin.groups.create({ user: plain.id, company: a.company }, 'x'))).toBe('ERR_FORBIDDEN');
    expect(await codeOf(admin.audit({ user: plain.id, company: a.company }, {}))).toBe('ERR_FORBIDDEN');
    expect(await admin.isAdmin({ user: plain.id, company: a.company })).toBe(false);
    expect(await admin.isAdmin(a)).toBe(true);
    const second = await store.createUser({ company: a.company, username: `second-${randomBytes(3).toString('hex')}`, role: 'admin' });
    await admin.users.setRole(a, second.id, 'user');
    expect(await codeOf(admin.users.list({ user: second.id, company: a.company }))).toBe('ERR_FORBIDDEN');
  });

  it('leaves the service identities alone: they follow the configuration', async () => {
    const tests = await store.createUser({ company: a.company, username: `__tests-${randomBytes(3).toString('hex')}`, source: 'system', role: 'user' });
    expect((await admin.users.list(a)).map((u) => u.id)).not.toContain(tests.id);
    expect(await codeOf(admin.users.setRole(a, tests.id, 'admin'))).toBe('ERR_INVALID_USER');
    expect(await codeOf(admin.users.setEnabled(a, tests.id, false))).toBe('ERR_INVALID_USER');
    const g = await admin.groups.create(a, `svc-${randomBytes(3).toString('hex')}`);
    expect(await codeOf(admin.groups.addMember(a, g.id, tests.id))).toBe('ERR_INVALID_USER');
    expect(await store.getUser(tests.id)).toMatchObject({ role: 'user', enabled: true });
  });

  it('keeps the last enabled admin, and no admin disables or demotes itself', async () => {
    const co = await companyWithAdmin('Solo');
    expect(await codeOf(admin.users.setEnabled(co, co.user, false))).toBe('ERR_SELF_LOCKOUT');
    expect(await codeOf(admin.users.setRole(co, co.user, 'user'))).toBe('ERR_SELF_LOCKOUT');
    const other = await store.createUser({ company: co.company, username: `other-${randomBytes(3).toString('hex')}`, role: 'admin' });
    // The other admin disabled, the first one is the last: it may still not leave.
    await admin.users.setEnabled(co, other.id, false);
    expect(await codeOf(admin.users.setRole(co, co.user, 'user'))).toBe('ERR_SELF_LOCKOUT');
    // A disabled admin does not count: demoting it is fine, enabling it back too.
    await admin.users.setEnabled(co, other.id, true);
    await admin.users.setRole(co, other.id, 'user');
    expect(await store.countEnabledAdmins(co.company)).toBe(1);
    expect((await store.getUser(co.user))?.role).toBe('admin');
  });

  it('undoes a change that raced another to leave the company without an admin', async () => {
    const co = await companyWithAdmin('Race');
    const other = await store.createUser({ company: co.company, username: `race-${randomBytes(3).toString('hex')}`, role: 'admin' });
    const otherActor = { user: other.id, company: co.company };
    const results = await Promise.allSettled([admin.users.setRole(co, other.id, 'user'), admin.users.setRole(otherActor, co.user, 'user')]);
    expect(results.some((r) => r.status === 'rejected')).toBe(true);
    expect(await store.countEnabledAdmins(co.company)).toBeGreaterThanOrEqual(1);
  });

  it('disabling a user ends its sessions and API-key tokens everywhere and refuses its API keys until enabled', async () => {
    const user = await store.createUser({ company: a.company, username: `dis-${randomBytes(3).toString('hex')}`, password: PASSWORD });
    const key = await store.createCredentials(user.id);
    const before = claimsOf(user.id, key.access_key);
    expect(revocations.isRevoked(before)).toBe(false);
    await admin.users.setEnabled(a, user.id, false);
    expect(revocations.isRevoked(before)).toBe(true);
    expect(revocations.isRevoked(claimsOf(user.id))).toBe(true);
    expect(await codeOf(store.authenticateCredentials(key.access_key, key.secret_key))).toBe('ERR_USER_DISABLED');
    expect(await codeOf(store.authenticatePassword(user.username, PASSWORD))).toBe('ERR_USER_DISABLED');
    await admin.users.setEnabled(a, user.id, true);
    await expect(store.authenticateCredentials(key.access_key, key.secret_key)).resolves.toMatchObject({ user: { id: user.id } });
    // Enabling brings no old token back.
    expect(revocations.isRevoked(before)).toBe(true);
  });

  it('demoting an admin ends its tokens; lists and revokes credentials without secrets', async () => {
    const second = await store.createUser({ company: a.company, username: `dem-${randomBytes(3).toString('hex')}`, role: 'admin' });
    const key = await store.createCredentials(second.id, { label: '<b>label</b>' });
    const token = claimsOf(second.id);
    await admin.users.setRole(a, second.id, 'user');
    expect(revocations.isRevoked(token)).toBe(true);
    const listed = await admin.users.credentials(a, second.id);
    expect(listed).toEqual([expect.objectContaining({ access_key: key.access_key, label: '<b>label</b>' })]);
    expectNoSecretIn(new Error(JSON.stringify(listed)), [key.secret_key]);
    expect(Object.keys(listed[0]).filter((k) => /secret|hash/i.test(k))).toEqual([]);
    const keyClaims = claimsOf(second.id, key.access_key);
    await admin.users.setRole(a, second.id, 'admin');
    await admin.users.revokeCredential(a, key.access_key);
    expect(await codeOf(store.authenticateCredentials(key.access_key, key.secret_key))).toBe('ERR_CREDENTIALS_REVOKED');
    expect(revocations.isRevoked(keyClaims)).toBe(true);
    expect((await admin.users.credentials(a, second.id))[0].revoked).toBeInstanceOf(Date);
  });

  it('writes every admin change to the audit trail with actor and target', async () => {
    const t = await store.createUser({ company: a.company, username: `aud-${randomBytes(3).toString('hex')}`, email: 'aud@example.com' });
    const key = await store.createCredentials(t.id);
    const g = await admin.groups.create(a, 'Audited');
    await admin.groups.rename(a, g.id, 'Audited 2');
    await admin.groups.addMember(a, g.id, t.id);
    await admin.groups.removeMember(a, g.id, t.id);
    await admin.groups.delete(a, g.id);
    await admin.users.setRole(a, t.id, 'admin');
    await admin.users.setEnabled(a, t.id, false);
    await admin.users.setEnabled(a, t.id, true);
    await admin.users.revokeCredential(a, key.access_key);
    await admin.users.invite(a, t.id);
    await audit.flush();
    const { events } = await new AuditQueries(db.connection).page({ company: a.company, user: t.id, limit: 200 });
    const aboutT = events.map((e) => [e.type, e.actor, e.user, e.detail ?? null]).reverse();
    expect(aboutT).toEqual([
      ['group.member.add', a.user, t.id, null],
      ['group.member.remove', a.user, t.id, null],
      ['user.role', a.user, t.id, 'admin'],
      ['user.disable', a.user, t.id, null],
      ['user.enable', a.user, t.id, null],
      ['credentials.revoke', a.user, t.id, null],
      ['invitation.create', a.user, t.id, 'aud@example.com'],
    ]);
    const groupEvents = (await admin.audit(a, { types: ['group.create', 'group.rename', 'group.delete'] })).events.filter((e) => e.group === g.id);
    expect(groupEvents.map((e) => [e.type, e.detail, e.actor])).toEqual([
      ['group.delete', 'Audited 2', a.user],
      ['group.rename', 'Audited 2', a.user],
      ['group.create', 'Audited', a.user],
    ]);
  });

  it('creates users with every field checked first: over-long or bad input is a 400 and stores nothing', async () => {
    const count = () => db.connection.collection('users').countDocuments();
    const before = await count();
    const cases = [
      { username: 'u'.repeat(257) },
      { username: 'ok-name-1', name: 'n'.repeat(257) },
      { username: 'ok-name-2', email: `${'e'.repeat(250)}@x.io` },
      { username: 'ok-name-3', email: 'not an email' },
      { username: 'ok-name-4', role: 'system' },
      { username: 'ok-name-5', invite: true },
      { username: { $ne: null } },
      { username: 'bad\u0000name' },
    ];
    for (const input of cases) expect([input, await codeOf(admin.users.create(a, input))]).toEqual([input, 'ERR_BAD_REQUEST']);
    expect(await count()).toBe(before);
    const hostile = '<img src=x onerror=alert(1)>\u202E\u200B';
    const { user } = await admin.users.create(a, { username: `h-${randomBytes(3).toString('hex')}${hostile}`, name: hostile, role: 'admin' });
    expect(user).toMatchObject({ name: hostile, role: 'admin', source: 'local' });
  });

  describe('invitations', () => {
    const invite = async (username = `inv-${randomBytes(3).toString('hex')}`) => {
      const created = await admin.users.create(a, { username, name: 'Invited', email: `${username}@Example.com`, invite: true });
      if (!created.invitation) throw new Error('no invitation');
      return { user: created.user, token: created.invitation.token };
    };

    it('shows the link once, stores only its hash, and is queryable by company and email', async () => {
      const { user, token } = await invite('inv-query');
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(JSON.stringify(await db.connection.collection('invitations').find().toArray())).not.toContain(token);
      expect((await admin.invitations.pending(a.company, 'INV-QUERY@example.COM')).map((i) => i.user)).toEqual([user.id]);
      expect(await admin.invitations.pending(b.company, 'inv-query@example.com')).toEqual([]);
      expect((await admin.users.list(a)).find((u) => u.id === user.id)?.invited_until).toBeInstanceOf(Date);
    });

    it('sets the password once: a second use, a wrong token and an expired one are refused', async () => {
      const { user, token } = await invite();
      await expect(admin.users.invitation(token)).resolves.toMatchObject({ user: { id: user.id } });
      // A refused password leaves the link usable.
      expect(await codeOf(admin.users.acceptInvitation(token, 'password1234'))).toBe('ERR_PASSWORD_POLICY');
      await admin.users.acceptInvitation(token, PASSWORD);
      await expect(store.authenticatePassword(user.username, PASSWORD)).resolves.toMatchObject({ id: user.id });
      expect(await codeOf(admin.users.acceptInvitation(token, `${PASSWORD} again`))).toBe('ERR_INVITATION_INVALID');
      expect(await codeOf(store.authenticatePassword(user.username, `${PASSWORD} again`))).toBe('ERR_INVALID_CREDENTIALS');
      const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      for (const wrong of [flipped, '', 'short', `${token}x`, { $ne: '' }])
        expect(await codeOf(admin.users.acceptInvitation(wrong, PASSWORD))).toBe('ERR_INVITATION_INVALID');

      const late = await invite();
      clock += 3601 * 1000;
      try {
        expect(await codeOf(admin.users.invitation(late.token))).toBe('ERR_INVITATION_INVALID');
        expect(await codeOf(admin.users.acceptInvitation(late.token, PASSWORD))).toBe('ERR_INVITATION_INVALID');
      } finally {
        clock -= 3601 * 1000;
      }
    });

    it('lets exactly one of two racing uses win', async () => {
      const { token } = await invite();
      const results = await Promise.allSettled([admin.users.acceptInvitation(token, PASSWORD), admin.users.acceptInvitation(token, `${PASSWORD}!`)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('a new link replaces the old one, and a disabled user cannot accept', async () => {
      const { user, token } = await invite();
      const again = await admin.users.invite(a, user.id);
      expect(await codeOf(admin.users.invitation(token))).toBe('ERR_INVITATION_INVALID');
      await admin.users.setEnabled(a, user.id, false);
      expect(await codeOf(admin.users.acceptInvitation(again.token, PASSWORD))).toBe('ERR_USER_DISABLED');
      await admin.users.setEnabled(a, user.id, true);
      await expect(admin.users.acceptInvitation(again.token, PASSWORD)).resolves.toMatchObject({ id: user.id });
    });
  });
});
