import type { Connection } from 'mongoose';
import { isWardenError } from '@warden/errors';
import { IdentityStore } from './identity-store';
import { expectNoSecretIn, openTestDatabase } from './testing/test-backends';

const PEPPER = 'test-pepper-0123456789abcdefghijklmnop';

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await failure(promise);
  if (!isWardenError(error)) throw error;
  return error.code;
}

describe('IdentityStore credentials (real FerretDB)', () => {
  let db: { connection: Connection; drop: () => Promise<void> };
  let store: IdentityStore;
  let userId: string;

  beforeAll(async () => {
    db = await openTestDatabase();
    store = new IdentityStore({ connection: db.connection, credentialPepper: PEPPER, cacheTtlMs: 60_000 });
    await store.ensureIndexes();
    await store.ensureCompany({ id: 'c0ffee00c0ffee00c0ffee00c0ffee00', name: 'Acme' });
    userId = (await store.createUser({ company: 'c0ffee00c0ffee00c0ffee00c0ffee00', username: 'ada', name: 'Ada' })).id;
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('creates keys in the documented formats and authenticates with them', async () => {
    const created = await store.createCredentials(userId, { label: 'laptop' });
    expect(created.access_key).toMatch(/^[A-Z0-9]{30}$/);
    expect(created.secret_key).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{49,59}$/);
    expect(created.record).toMatchObject({ access_key: created.access_key, user: userId, label: 'laptop' });
    expect(JSON.stringify(created.record)).not.toContain(created.secret_key);

    const { user, credential } = await store.authenticateCredentials(created.access_key, created.secret_key, { clientIp: '10.0.0.7' });
    expect(user).toMatchObject({ id: userId, company: 'c0ffee00c0ffee00c0ffee00c0ffee00', company_name: 'Acme', username: 'ada', enabled: true });
    expect(credential).toMatchObject({ access_key: created.access_key, last_used_from: '10.0.0.7' });
  });

  it('answers a wrong secret and an unknown key the same way', async () => {
    const { access_key, secret_key } = await store.createCredentials(userId);
    // Its last character changed; never to itself, or the "wrong" secret would be the right one.
    const wrongSecret = secret_key.slice(0, -1) + (secret_key.endsWith('x') ? 'y' : 'x');
    const wrong = await failure(store.authenticateCredentials(access_key, wrongSecret));
    const unknown = await failure(store.authenticateCredentials('UNKNOWNKEY0123456789ABCDEFGHIJ', secret_key));
    expect(isWardenError(wrong) && wrong.code).toBe('ERR_INVALID_CREDENTIALS');
    expect(isWardenError(unknown) && unknown.code).toBe('ERR_INVALID_CREDENTIALS');
    expect((wrong as Error).message).toBe((unknown as Error).message);
    expectNoSecretIn(wrong, [secret_key, wrongSecret, access_key]);
    expectNoSecretIn(unknown, [secret_key]);
  });

  it('refuses revoked credentials, also when the cache is warm', async () => {
    const { access_key, secret_key } = await store.createCredentials(userId);
    await store.authenticateCredentials(access_key, secret_key);
    const revoked = await store.revokeCredentials(access_key);
    expect(revoked.revoked).toBeInstanceOf(Date);
    const error = await failure(store.authenticateCredentials(access_key, secret_key));
    expect(isWardenError(error) && error.code).toBe('ERR_CREDENTIALS_REVOKED');
    expectNoSecretIn(error, [secret_key]);
    // The revoked state is only told to someone holding the secret.
    expect(await codeOf(store.authenticateCredentials(access_key, 'guess'))).toBe('ERR_INVALID_CREDENTIALS');
  });

  it('sees a revocation made by another store once its cache entry expires', async () => {
    const other = new IdentityStore({ connection: db.connection, credentialPepper: PEPPER, cacheTtlMs: 0 });
    const { access_key, secret_key } = await store.createCredentials(userId);
    await other.authenticateCredentials(access_key, secret_key);
    await store.revokeCredentials(access_key);
    expect(await codeOf(other.authenticateCredentials(access_key, secret_key))).toBe('ERR_CREDENTIALS_REVOKED');
    await other.close();
  });

  it("drops another store's revoked key or disabled user from its warm cache when told (another replica's revocation)", async () => {
    const other = new IdentityStore({ connection: db.connection, credentialPepper: PEPPER, cacheTtlMs: 60_000 });
    const key = await store.createCredentials(userId);
    await other.authenticateCredentials(key.access_key, key.secret_key);
    await store.revokeCredentials(key.access_key);
    // Warm: the other replica still takes the key until it hears of the revocation.
    await expect(other.authenticateCredentials(key.access_key, key.secret_key)).resolves.toBeDefined();
    other.forgetCached('credential', key.access_key);
    expect(await codeOf(other.authenticateCredentials(key.access_key, key.secret_key))).toBe('ERR_CREDENTIALS_REVOKED');

    const carol = await store.createUser({ company: 'c0ffee00c0ffee00c0ffee00c0ffee00', username: 'carol' });
    const carols = await store.createCredentials(carol.id);
    await other.authenticateCredentials(carols.access_key, carols.secret_key);
    await store.setUserEnabled(carol.id, false);
    other.forgetCached('user', carol.id);
    expect(await codeOf(other.authenticateCredentials(carols.access_key, carols.secret_key))).toBe('ERR_USER_DISABLED');
    await other.close();
  });

  it('caches nothing of a user another replica revoked for one cache lifetime: the revocation comes before the write', async () => {
    const other = new IdentityStore({ connection: db.connection, credentialPepper: PEPPER, cacheTtlMs: 60_000 });
    const dave = await store.createUser({ company: 'c0ffee00c0ffee00c0ffee00c0ffee00', username: 'dave' });
    const key = await store.createCredentials(dave.id);
    // The gateway disabling dave publishes the revocation first, then writes; a login lands in between.
    other.forgetCached('user', dave.id);
    await expect(other.authenticateCredentials(key.access_key, key.secret_key)).resolves.toMatchObject({ user: { enabled: true } });
    await store.setUserEnabled(dave.id, false);
    expect(await codeOf(other.authenticateCredentials(key.access_key, key.secret_key))).toBe('ERR_USER_DISABLED');
    await other.close();
  });

  it('refuses credentials of a disabled user and accepts them again once re-enabled', async () => {
    const bob = await store.createUser({ company: 'c0ffee00c0ffee00c0ffee00c0ffee00', username: 'bob' });
    const { access_key, secret_key } = await store.createCredentials(bob.id);
    await store.authenticateCredentials(access_key, secret_key);
    expect((await store.setUserEnabled(bob.id, false)).enabled).toBe(false);
    const error = await failure(store.authenticateCredentials(access_key, secret_key));
    expect(isWardenError(error) && error.code).toBe('ERR_USER_DISABLED');
    expectNoSecretIn(error, [secret_key]);
    await store.setUserEnabled(bob.id, true);
    await expect(store.authenticateCredentials(access_key, secret_key)).resolves.toMatchObject({ user: { id: bob.id } });
  });

  it('stores the secret only as a keyed hash', async () => {
    const { access_key, secret_key } = await store.createCredentials(userId, { label: 'raw' });
    const raw = await db.connection.collection('credentials').findOne({ _id: access_key as never });
    const text = JSON.stringify(raw);
    expect(text).not.toContain(secret_key);
    expect(raw?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(raw ?? {}).filter((k) => /secret/i.test(k))).toEqual(['secret_hash']);
    // Keyed: a plain SHA-256 of the secret does not match what is stored.
    const { createHash } = await import('node:crypto');
    expect(raw?.secret_hash).not.toBe(createHash('sha256').update(secret_key).digest('hex'));
  });

  it('never returns secret fields from reads and lists', async () => {
    const { access_key, secret_key } = await store.createCredentials(userId, { label: 'listed' });
    const listed = await store.listCredentials({ user: userId });
    const byCompany = await store.listCredentials({ company: 'c0ffee00c0ffee00c0ffee00c0ffee00' });
    const single = await store.getCredential(access_key);
    const edited = await store.editCredentials(access_key, { label: 'renamed' });
    expect(listed.map((c) => c.access_key)).toContain(access_key);
    expect(byCompany.length).toBeGreaterThanOrEqual(listed.length);
    expect(edited.label).toBe('renamed');
    for (const record of [...listed, ...byCompany, single, edited]) {
      expect(Object.keys(record ?? {}).filter((k) => /secret|hash/i.test(k))).toEqual([]);
      expect(JSON.stringify(record)).not.toContain(secret_key);
    }
    const { user } = await store.authenticateCredentials(access_key, secret_key);
    expect(Object.keys(user).filter((k) => /secret|hash|password/i.test(k))).toEqual([]);
  });

  it('writes last_used and last_used_from in a batch on flush', async () => {
    const { access_key, secret_key } = await store.createCredentials(userId);
    await store.authenticateCredentials(access_key, secret_key, { clientIp: '192.0.2.1' });
    await store.authenticateCredentials(access_key, secret_key, { clientIp: '192.0.2.2' });
    expect((await store.getCredential(access_key))?.last_used).toBeUndefined();
    await store.close();
    const after = await store.getCredential(access_key);
    expect(after?.last_used).toBeInstanceOf(Date);
    expect(after?.last_used_from).toBe('192.0.2.2');
  });

  async function commandsDuring(run: () => Promise<unknown>): Promise<string[]> {
    const commands: string[] = [];
    const client = db.connection.getClient();
    const listener = (event: { commandName: string }) => commands.push(event.commandName);
    client.on('commandStarted', listener);
    try {
      await run();
    } finally {
      client.off('commandStarted', listener);
    }
    return commands;
  }

  it('does no Mongo round trip for a warm authentication', async () => {
    const { access_key, secret_key } = await store.createCredentials(userId);
    // The control: a cold lookup is seen by the command monitor.
    expect(await commandsDuring(() => store.authenticateCredentials(access_key, secret_key))).toContain('find');
    const warm = await commandsDuring(async () => {
      for (let i = 0; i < 200; i++) await store.authenticateCredentials(access_key, secret_key, { clientIp: '10.1.1.1' });
    });
    expect(warm).toEqual([]);
  });

  it('does a single lookup for concurrent cold authentications of one key', async () => {
    const { access_key, secret_key } = await store.createCredentials(userId);
    const commands = await commandsDuring(() => Promise.all(Array.from({ length: 50 }, () => store.authenticateCredentials(access_key, secret_key))));
    // credential, user, company
    expect(commands.filter((c) => c === 'find')).toHaveLength(3);
  });

  it('does the same database work for a known key with a wrong secret as for an unknown key, cold and warm', async () => {
    const { access_key } = await store.createCredentials(userId);
    const unknown = 'UNKNOWNKEY' + access_key.slice(10);
    const attempt = (id: string) => commandsDuring(() => failure(store.authenticateCredentials(id, 'wrong-secret-of-fifty-characters-0123456789abcdef')));
    const cold = [await attempt(access_key), await attempt(unknown)];
    expect(cold[0]).toEqual(['find']);
    expect(cold[1]).toEqual(cold[0]);
    expect([await attempt(access_key), await attempt(unknown)]).toEqual([[], []]);
    expect([await store.isAccessKey(access_key), await store.isAccessKey(unknown), await store.isAccessKey('')]).toEqual([true, false, false]);
  });

  it('forgets that a key was unknown once it is created', async () => {
    const accessKey = 'LATERKEY0123456789ABCDEFGHIJKL';
    expect(await store.isAccessKey(accessKey)).toBe(false);
    const { secret_key } = await store.createCredentials(userId, { accessKey });
    await expect(store.authenticateCredentials(accessKey, secret_key)).resolves.toMatchObject({ credential: { access_key: accessKey } });
  });

  it('refuses to revoke a system credential outside the bootstrap', async () => {
    const { access_key } = await store.createCredentials(userId, { system: 'apiserver' });
    expect(await codeOf(store.revokeCredentials(access_key))).toBe('ERR_FORBIDDEN');
    expect((await store.getCredential(access_key))?.revoked).toBeUndefined();
  });

  it('reports unknown credentials and users as not found', async () => {
    expect(await codeOf(store.revokeCredentials('NOPE'))).toBe('ERR_NOT_FOUND');
    expect(await codeOf(store.editCredentials('NOPE', { label: 'x' }))).toBe('ERR_NOT_FOUND');
    expect(await codeOf(store.createCredentials('no-such-user'))).toBe('ERR_NOT_FOUND');
    expect(await store.getCredential('NOPE')).toBeNull();
  });
});
