import type { Connection } from 'mongoose';
import { isWardenError } from '@warden/errors';
import { FixedUsers } from './fixed-users';
import { IdentityStore } from './identity-store';
import { expectNoSecretIn, openTestDatabase } from './testing/test-backends';

const COMPANY = 'd1bd92a3b039400cbafc60a7a5b1e52b';

async function failure(promise: Promise<unknown>): Promise<{ code?: string; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    return { code: isWardenError(error) ? error.code : undefined, error };
  }
  throw new Error('expected a rejection');
}

describe('IdentityStore users and password login (real FerretDB)', () => {
  let db: { connection: Connection; drop: () => Promise<void> };
  let store: IdentityStore;

  beforeAll(async () => {
    db = await openTestDatabase();
    store = new IdentityStore({ connection: db.connection, credentialPepper: 'pepper-for-users-spec-0123456789' });
    await store.ensureIndexes();
    await store.ensureCompany({ id: COMPANY, name: 'Acme' });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('ensureCompany is idempotent by id and makes ClearML-style ids', async () => {
    const again = await store.ensureCompany({ id: COMPANY, name: 'Acme' });
    expect(again).toMatchObject({ id: COMPANY, name: 'Acme' });
    const fresh = await store.ensureCompany({ name: 'Other' });
    expect(fresh.id).toMatch(/^[0-9a-f]{32}$/);
    expect(await db.connection.collection('companies').countDocuments({ _id: COMPANY as never })).toBe(1);
    expect(await store.getCompany(fresh.id)).toMatchObject({ id: fresh.id, name: 'Other' });
    expect(await store.getCompany('0'.repeat(32))).toBeNull();
  });

  it('logs in with a password and never returns or stores it in clear', async () => {
    const created = await store.createUser({ company: COMPANY, username: 'Grace', name: 'Grace H', email: 'g@example.com', password: 'pa55-Amazing!-Admiral' });
    expect(created).toMatchObject({ username: 'Grace', role: 'user', source: 'local', enabled: true, company_name: 'Acme' });
    expect(created.id).toMatch(/^[0-9a-f]{32}$/);
    expect(Object.keys(created).filter((k) => /password|hash/i.test(k))).toEqual([]);
    const raw = await db.connection.collection('users').findOne({ _id: created.id as never });
    expect(JSON.stringify(raw)).not.toContain('pa55-Amazing!-Admiral');
    expect(raw?.password_hash).toMatch(/^\$scrypt\$/);

    await expect(store.authenticatePassword('grace', 'pa55-Amazing!-Admiral')).resolves.toMatchObject({ id: created.id });
    const found = await store.getUser(created.id);
    expect(Object.keys(found ?? {}).filter((k) => /password|hash/i.test(k))).toEqual([]);
  });

  it('answers an unknown user and a wrong password alike, without the password in the error', async () => {
    await store.createUser({ company: COMPANY, username: 'hopper', password: 'right-horse-battery-staple' });
    const wrong = await failure(store.authenticatePassword('hopper', 'wrong-horse-battery-staple'));
    const unknown = await failure(store.authenticatePassword('nobody', 'right-horse-battery-staple'));
    const empty = await failure(store.authenticatePassword('', ''));
    expect([wrong.code, unknown.code, empty.code]).toEqual(['ERR_INVALID_CREDENTIALS', 'ERR_INVALID_CREDENTIALS', 'ERR_INVALID_CREDENTIALS']);
    expect((wrong.error as Error).message).toBe((unknown.error as Error).message);
    expectNoSecretIn(wrong.error, ['wrong-horse-battery-staple', 'right-horse-battery-staple', '$scrypt$']);
    expectNoSecretIn(unknown.error, ['right-horse-battery-staple']);
  });

  it('refuses a disabled user only after the password is proven', async () => {
    const user = await store.createUser({ company: COMPANY, username: 'disabled-dan', password: 'dans-long-password-1' });
    await store.setUserEnabled(user.id, false);
    expect((await failure(store.authenticatePassword('disabled-dan', 'dans-long-password-1'))).code).toBe('ERR_USER_DISABLED');
    expect((await failure(store.authenticatePassword('disabled-dan', 'guess'))).code).toBe('ERR_INVALID_CREDENTIALS');
  });

  it('refuses password login for users without a password (sso, system)', async () => {
    await store.createUser({ company: COMPANY, username: 'sso-sam', source: 'sso' });
    expect((await failure(store.authenticatePassword('sso-sam', ''))).code).toBe('ERR_INVALID_CREDENTIALS');
    expect((await failure(store.authenticatePassword('sso-sam', 'anything'))).code).toBe('ERR_INVALID_CREDENTIALS');
  });

  it('changes the password with setPassword', async () => {
    const user = await store.createUser({ company: COMPANY, username: 'rotator', password: 'turning-old-secret' });
    await store.setPassword(user.id, 'turning-new-secret');
    expect((await failure(store.authenticatePassword('rotator', 'turning-old-secret'))).code).toBe('ERR_INVALID_CREDENTIALS');
    await expect(store.authenticatePassword('ROTATOR', 'turning-new-secret')).resolves.toMatchObject({ id: user.id });
    const missing = await failure(store.setPassword('no-such-user', 'secret-password-xyz'));
    expect(missing.code).toBe('ERR_NOT_FOUND');
    expectNoSecretIn(missing.error, ['secret-password-xyz']);
  });

  it('keeps usernames unique regardless of case, answering a clash in any company alike', async () => {
    await store.createUser({ company: COMPANY, username: 'Linus' });
    const sameCompany = await failure(store.createUser({ company: COMPANY, username: 'linus' }));
    const other = await store.ensureCompany({ name: 'Clash Co' });
    const otherCompany = await failure(store.createUser({ company: other.id, username: ' LINUS ' }));
    expect([sameCompany.code, otherCompany.code]).toEqual(['ERR_USERNAME_TAKEN', 'ERR_USERNAME_TAKEN']);
    expect((otherCompany.error as Error).message).toBe((sameCompany.error as Error).message);
    expect((otherCompany.error as Error).message).not.toMatch(/acme|linus/i);
    expect((await store.findUserByUsername('lInUs'))?.username).toBe('Linus');
  });

  it('applies the password policy to createUser and setPassword, and stores nothing refused', async () => {
    const refused = await failure(store.createUser({ company: COMPANY, username: 'weak-walt', password: 'password1234' }));
    expect([refused.code, (refused.error as { data?: unknown }).data]).toEqual(['ERR_PASSWORD_POLICY', { rule: 'common' }]);
    expectNoSecretIn(refused.error, ['password1234']);
    expect(await store.findUserByUsername('weak-walt')).toBeNull();
    const user = await store.createUser({ company: COMPANY, username: 'walt', password: 'w first passphrase' });
    expect((await failure(store.setPassword(user.id, 'short'))).code).toBe('ERR_PASSWORD_POLICY');
    expect((await failure(store.setPassword(user.id, 'WALT-walt-WALT'))).code).toBe('ERR_PASSWORD_POLICY');
    await expect(store.authenticatePassword('walt', 'w first passphrase')).resolves.toMatchObject({ id: user.id });
    const strict = new IdentityStore({
      connection: db.connection,
      credentialPepper: 'pepper-for-users-spec-0123456789',
      passwordPolicy: { min_length: 30, max_length: 64 },
    });
    expect((await failure(strict.setPassword(user.id, 'w second passphrase'))).code).toBe('ERR_PASSWORD_POLICY');
    await strict.close();
  });

  it('flags a reset password until the user sets its own, and verifies a password by user id', async () => {
    const user = await store.createUser({ company: COMPANY, username: 'reset-rita', password: 'r first passphrase' });
    await store.setPassword(user.id, 'temporary passphrase 7', { mustChange: true });
    expect(await store.authenticatePassword('reset-rita', 'temporary passphrase 7')).toMatchObject({ id: user.id, must_change_password: true });
    expect(await store.verifyUserPassword(user.id, 'temporary passphrase 7')).toBe(true);
    expect(await store.verifyUserPassword(user.id, 'r first passphrase')).toBe(false);
    expect(await store.verifyUserPassword('no-such-user', 'temporary passphrase 7')).toBe(false);
    await store.setPassword(user.id, 'r own new passphrase');
    const after = await store.authenticatePassword('reset-rita', 'r own new passphrase');
    expect(after.must_change_password).toBeUndefined();
    expect(await store.getUser(user.id)).not.toHaveProperty('must_change_password');
  });

  it('reserves __ usernames for system users and rejects unknown companies', async () => {
    expect((await failure(store.createUser({ company: COMPANY, username: '__apiserver' }))).code).toBe('ERR_BAD_REQUEST');
    expect((await failure(store.createUser({ company: 'nope', username: 'x' }))).code).toBe('ERR_NOT_FOUND');
  });

  it('ensureUser is idempotent by username and updates the profile but not the password', async () => {
    const first = await store.ensureUser({ company: COMPANY, username: 'ken', name: 'Ken', password: 'first-k-passphrase' });
    const second = await store.ensureUser({
      company: COMPANY,
      username: 'KEN',
      name: 'Ken T',
      role: 'admin',
      source: 'fixed',
      password: 'second-k-passphrase',
    });
    expect(second).toMatchObject({ id: first.id, username: 'ken', name: 'Ken T', role: 'admin', source: 'fixed' });
    await expect(store.authenticatePassword('ken', 'first-k-passphrase')).resolves.toMatchObject({ id: first.id });
    expect((await failure(store.authenticatePassword('ken', 'second-k-passphrase'))).code).toBe('ERR_INVALID_CREDENTIALS');
  });

  it('lists the users of a company', async () => {
    const other = await store.ensureCompany({ name: 'Elsewhere' });
    await store.createUser({ company: other.id, username: 'elsewhere-user' });
    const users = await store.listUsers(other.id);
    expect(users.map((u) => [u.username, u.company_name])).toEqual([['elsewhere-user', 'Elsewhere']]);
    expect((await store.listUsers(COMPANY)).map((u) => u.username)).toContain('Grace');
  });

  it('syncs fixed users into the store with their roles', async () => {
    const fixed = new FixedUsers({
      enabled: true,
      pass_hashed: false,
      users: [
        { username: 'root', password: 'root-pass', name: 'Root', admin: true },
        { username: 'worker', password: 'worker-pass' },
      ],
    });
    const synced = await fixed.sync(store, { id: COMPANY, name: 'Acme' });
    const again = await fixed.sync(store, { id: COMPANY, name: 'Acme' });
    expect(synced.map((u) => [u.username, u.role, u.source])).toEqual([
      ['root', 'admin', 'fixed'],
      ['worker', 'user', 'fixed'],
    ]);
    expect(again.map((u) => u.id)).toEqual(synced.map((u) => u.id));
    expect(JSON.stringify(await db.connection.collection('users').find({ source: 'fixed' }).toArray())).not.toContain('root-pass');
  });
});
