import type { Connection } from 'mongoose';
import { isWardenError } from '@warden/errors';
import { generateKey, generateSecret } from '@warden/secrets';
import { IdentityStore, type SystemCredentialsInput } from './identity-store';
import { expectNoSecretIn, openTestDatabase } from './testing/test-backends';

const PEPPER = 'pepper-for-bootstrap-spec-0123456789';
const NAMES = ['apiserver', 'fileserver', 'webserver', 'tests'] as const;

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isWardenError(error) ? error.code : String(error);
  }
  return undefined;
}

describe('IdentityStore.bootstrapSystemCredentials (real FerretDB)', () => {
  let db: { connection: Connection; drop: () => Promise<void> };
  let store: IdentityStore;
  const configured = NAMES.map((name) => ({ name, accessKey: generateKey(), secretKey: generateSecret() }));
  const config = (revoke: string[], credentials = configured): SystemCredentialsInput => ({
    companyId: 'd1bd92a3b039400cbafc60a7a5b1e52b',
    companyName: 'warden',
    credentials,
    revoke,
  });
  const key = (name: string) => configured.find((c) => c.name === name)!;
  const login = (name: string, s = store) => s.authenticateCredentials(key(name).accessKey, key(name).secretKey);

  beforeAll(async () => {
    db = await openTestDatabase();
    store = new IdentityStore({ connection: db.connection, credentialPepper: PEPPER });
    await store.ensureIndexes();
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('creates one system user and credential per name, concurrently from two replicas', async () => {
    const replica = new IdentityStore({ connection: db.connection, credentialPepper: PEPPER });
    const [a, b] = await Promise.all([store.bootstrapSystemCredentials(config([])), replica.bootstrapSystemCredentials(config([]))]);
    await replica.close();
    expect(a).toEqual({ active: [...NAMES], revoked: [] });
    expect(b).toEqual(a);
    expect(await db.connection.collection('users').countDocuments()).toBe(4);
    expect(await db.connection.collection('credentials').countDocuments()).toBe(4);
    expect(await db.connection.collection('companies').countDocuments()).toBe(1);

    for (const name of NAMES) {
      const { user, credential } = await login(name);
      expect(user).toMatchObject({ username: `__${name}`, role: name === 'tests' ? 'user' : 'system', source: 'system', company_name: 'warden' });
      expect(credential.system).toBe(name);
    }
  });

  it('is idempotent when run again', async () => {
    const before = await db.connection.collection('credentials').find().sort({ _id: 1 }).toArray();
    expect(await store.bootstrapSystemCredentials(config([]))).toEqual({ active: [...NAMES], revoked: [] });
    const after = await db.connection.collection('credentials').find().sort({ _id: 1 }).toArray();
    expect(after).toEqual(before);
  });

  it('never stores the configured secrets in clear', async () => {
    const text = JSON.stringify(await db.connection.collection('credentials').find().toArray());
    for (const c of configured) expect(text).not.toContain(c.secretKey);
  });

  it('revokes the listed names, and re-activates them when configured again without revoke', async () => {
    expect(await store.bootstrapSystemCredentials(config(['webserver', 'tests']))).toEqual({
      active: ['apiserver', 'fileserver'],
      revoked: ['webserver', 'tests'],
    });
    expect(await codeOf(login('webserver'))).toBe('ERR_CREDENTIALS_REVOKED');
    expect(await codeOf(login('tests'))).toBe('ERR_CREDENTIALS_REVOKED');
    await expect(login('apiserver')).resolves.toBeDefined();

    // A restart with the same configuration keeps them revoked.
    await store.bootstrapSystemCredentials(config(['webserver', 'tests']));
    expect(await codeOf(login('webserver'))).toBe('ERR_CREDENTIALS_REVOKED');

    expect(await store.bootstrapSystemCredentials(config([]))).toEqual({ active: [...NAMES], revoked: [] });
    await expect(login('webserver')).resolves.toBeDefined();
    await expect(login('tests')).resolves.toBeDefined();
  });

  it('revokes a listed name that is no longer configured at all', async () => {
    const withoutTests = configured.filter((c) => c.name !== 'tests');
    expect(await store.bootstrapSystemCredentials(config(['tests'], withoutTests))).toEqual({
      active: ['apiserver', 'fileserver', 'webserver'],
      revoked: ['tests'],
    });
    expect(await codeOf(login('tests'))).toBe('ERR_CREDENTIALS_REVOKED');
    await store.bootstrapSystemCredentials(config([]));
  });

  it('rehashes a changed secret, so only the new one works', async () => {
    await login('fileserver');
    const oldSecret = key('fileserver').secretKey;
    const newSecret = generateSecret();
    const changed = configured.map((c) => (c.name === 'fileserver' ? { ...c, secretKey: newSecret } : c));
    await store.bootstrapSystemCredentials(config([], changed));
    expect(await codeOf(store.authenticateCredentials(key('fileserver').accessKey, oldSecret))).toBe('ERR_INVALID_CREDENTIALS');
    await expect(store.authenticateCredentials(key('fileserver').accessKey, newSecret)).resolves.toBeDefined();
    key('fileserver').secretKey = newSecret;
  });

  it('revokes the previous key of a name whose access key changed', async () => {
    const previous = { ...key('apiserver') };
    const replaced = { name: 'apiserver' as const, accessKey: generateKey(), secretKey: generateSecret() };
    await store.bootstrapSystemCredentials(
      config(
        [],
        configured.map((c) => (c.name === 'apiserver' ? replaced : c)),
      ),
    );
    expect(await codeOf(store.authenticateCredentials(previous.accessKey, previous.secretKey))).toBe('ERR_CREDENTIALS_REVOKED');
    await expect(store.authenticateCredentials(replaced.accessKey, replaced.secretKey)).resolves.toMatchObject({ user: { username: '__apiserver' } });
  });

  it('keeps system credentials out of revokeCredentials', async () => {
    expect(await codeOf(store.revokeCredentials(key('webserver').accessKey))).toBe('ERR_FORBIDDEN');
    await expect(login('webserver')).resolves.toBeDefined();
  });

  it('refuses a configured key that belongs to someone else, without echoing secrets', async () => {
    const company = await store.ensureCompany({ name: 'people' });
    const person = await store.createUser({ company: company.id, username: 'mallory' });
    const theirs = await store.createCredentials(person.id);
    const hijack = { name: 'webserver' as const, accessKey: theirs.access_key, secretKey: generateSecret() };
    let caught: unknown;
    try {
      await store.bootstrapSystemCredentials(config([], [hijack]));
    } catch (error) {
      caught = error;
    }
    expect(isWardenError(caught) && caught.code).toBe('ERR_BAD_REQUEST');
    expectNoSecretIn(caught, [hijack.secretKey, theirs.secret_key]);
    await expect(store.authenticateCredentials(theirs.access_key, theirs.secret_key)).resolves.toMatchObject({ user: { id: person.id } });
  });
});
