import mongoose from 'mongoose';
import { IdentityStore } from '@warden/identity';
import { spawnService, waitForStatus, type SpawnedService } from '@warden/http/testing';
import { generateKey, generateSecret, generateSecretSet } from '@warden/secrets';
import { STORAGE_BACKENDS, testStorage } from './testing/storage-env';

// Integration tier: the built gateway and fileserver as production processes against the real Redis
// and MongoDB-wire server. The fileserver verifies every token itself against the gateway's JWKS.
const db = `warden_int_files_${process.pid}_${Date.now()}`;
// ClearML deployments still set fileserver credentials: every app must start with them, and unused.
const secrets: Record<string, string> = {
  ...Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value])),
  CLEARML__SECURE__CREDENTIALS__FILESERVER__USER_KEY: generateKey(),
  CLEARML__SECURE__CREDENTIALS__FILESERVER__USER_SECRET: generateSecret(),
};
const common = { ...secrets, NODE_ENV: 'production', CLEARML__HOSTS__MONGO__AUTH__HOST: `mongodb://127.0.0.1:27017/${db}` };
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

interface Envelope {
  meta: { error_data: { code?: string } };
  data: { token?: string };
}

describe.each(STORAGE_BACKENDS)('fileserver on %s storage with auth on (real gateway, Redis, MongoDB-wire server)', (backend) => {
  const storage = testStorage(backend);
  let gateway: SpawnedService;
  let files: SpawnedService;
  let tokenA: string;
  let tokenB: string;
  let credsA: { access_key: string; secret_key: string };
  const tokens: string[] = [];

  const login = async (id: string, secret: string): Promise<string> => {
    const res = await fetch(`${gateway.url}/auth.login`, { method: 'POST', headers: { Authorization: basic(id, secret) } });
    const token = ((await res.json()) as Envelope).data.token;
    if (!token) throw new Error(`login failed with ${res.status}`);
    tokens.push(token);
    return token;
  };
  const upload = (token: string | undefined, path: string, body: string) => {
    const form = new FormData();
    form.append(path, new Blob([body]), path.split('/').pop());
    return fetch(`${files.url}/`, { method: 'POST', body: form, headers: token ? { Authorization: `Bearer ${token}` } : {} });
  };
  const get = (token: string | undefined, path: string, headers: Record<string, string> = {}) =>
    fetch(`${files.url}/${path}`, { headers: { ...headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) } });
  const codeOf = async (res: Response) => ((await res.json()) as Envelope).meta.error_data.code;

  beforeAll(async () => {
    gateway = await spawnService('auth-gateway', { ...common, CLEARML__AUTH_GATEWAY__LISTEN_PORT: '0', CLEARML__AUTH_GATEWAY__METRICS__ENABLED: 'false' });
    await waitForStatus(`${gateway.url}/ready`, (s) => s === 200, 30_000);
    files = await spawnService('fileserver', {
      ...common,
      CLEARML__FILESERVER__LISTEN_PORT: '0',
      CLEARML__FILESERVER__METRICS__ENABLED: 'false',
      ...storage.env,
      CLEARML__FILESERVER__AUTH__JWKS_URL: `${gateway.url}/.well-known/jwks.json`,
    });
    await waitForStatus(`${files.url}/ready`, (s) => s === 200);

    // Two tenants, each a user of its own company.
    const connection = await mongoose.createConnection(`mongodb://127.0.0.1:27017/${db}`).asPromise();
    const store = new IdentityStore({ connection, credentialPepper: secrets['CLEARML__SECURE__AUTH__TOKEN_SECRET'] });
    const tenant = async (name: string) => {
      const company = await store.ensureCompany({ name });
      const user = await store.createUser({ company: company.id, username: `${name}-${backend}-${db}`, role: 'user' });
      return store.createCredentials(user.id);
    };
    credsA = await tenant('tenant-a');
    const credsB = await tenant('tenant-b');
    await store.close();
    await connection.close();
    tokenA = await login(credsA.access_key, credsA.secret_key);
    tokenB = await login(credsB.access_key, credsB.secret_key);
  }, 60_000);

  afterAll(async () => {
    expect(await files.stop()).toBe(0);
    expect(await gateway.stop()).toBe(0);
    const output = files.output() + gateway.output();
    for (const value of [...Object.values(secrets), ...tokens]) expect(output).not.toContain(value);
  });

  it('uploads, downloads (whole, range, conditional) and deletes with a verified token', async () => {
    const up = await upload(tokenA, 'proj/task.1/artifacts/data.txt', 'hello warden files');
    expect(up.status).toBe(200);
    const whole = await get(tokenA, 'proj/task.1/artifacts/data.txt');
    expect([whole.status, await whole.text()]).toEqual([200, 'hello warden files']);
    const etag = whole.headers.get('etag')!;
    const range = await get(tokenA, 'proj/task.1/artifacts/data.txt', { Range: 'bytes=6-11' });
    expect([range.status, await range.text()]).toEqual([206, 'warden']);
    const same = await get(tokenA, 'proj/task.1/artifacts/data.txt', { 'If-None-Match': etag });
    expect(same.status).toBe(304);
    await upload(tokenA, 'proj/task.1/artifacts/other.txt', 'x');
    const many = await fetch(`${files.url}/delete_many`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokenA}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ files: ['proj/task.1/artifacts/other.txt'] }),
    });
    expect(many.status).toBe(200);
    expect((await fetch(`${files.url}/proj/task.1/artifacts/data.txt`, { method: 'DELETE', headers: { Authorization: `Bearer ${tokenA}` } })).status).toBe(200);
    expect((await get(tokenA, 'proj/task.1/artifacts/data.txt')).status).toBe(404);
  });

  it.each([
    ['no token', undefined, 'ERR_UNAUTHORIZED'],
    ['a garbage token', 'not.a.token', 'ERR_JWT_MALFORMED'],
    ['a token with a forged signature', 'SIGNATURE', 'ERR_JWS_SIGNATURE_INVALID'],
  ])('refuses %s with 401 and a stable code', async (_label, token, code) => {
    const forged = token === 'SIGNATURE' ? `${tokenA.split('.').slice(0, 2).join('.')}.${'A'.repeat(86)}` : token;
    const res = await upload(forged, 'proj/refused.txt', 'nope');
    expect([res.status, await codeOf(res)]).toEqual([401, code]);
  });

  it('refuses other authorization schemes with a message', async () => {
    const res = await fetch(`${files.url}/anything.txt`, { headers: { Authorization: basic('key', 'secret') } });
    expect([res.status, await codeOf(res)]).toEqual([401, 'ERR_BAD_AUTH_SCHEME']);
  });

  it('keeps tenants apart: B can neither read, overwrite nor delete A’s object', async () => {
    await upload(tokenA, 'shared/model.bin', 'A-bytes');
    expect((await get(tokenB, 'shared/model.bin')).status).toBe(404);
    expect((await upload(tokenB, 'shared/model.bin', 'B-bytes')).status).toBe(200);
    // Each tenant's bytes live under its own company folder.
    expect(await storage.companies()).toHaveLength(2);
    expect(await (await get(tokenA, 'shared/model.bin')).text()).toBe('A-bytes');
    expect(await (await get(tokenB, 'shared/model.bin')).text()).toBe('B-bytes');
    await fetch(`${files.url}/shared/model.bin`, { method: 'DELETE', headers: { Authorization: `Bearer ${tokenB}` } });
    expect(await (await get(tokenA, 'shared/model.bin')).text()).toBe('A-bytes');
  });

  it('refuses a token within 2 s of its logout', async () => {
    const token = await login(credsA.access_key, credsA.secret_key);
    expect((await get(token, 'missing.txt')).status).toBe(404);
    const out = await fetch(`${gateway.url}/auth.logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect(out.status).toBe(200);
    const started = Date.now();
    let res = await get(token, 'missing.txt');
    while (res.status !== 401 && Date.now() - started < 2000) res = await get(token, 'missing.txt');
    expect([res.status, await codeOf(res)]).toEqual([401, 'ERR_JWT_REVOKED']);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('serves no service identity: the apiserver credentials get no file, no upload and no delete', async () => {
    const token = await login(secrets['CLEARML__SECURE__CREDENTIALS__APISERVER__USER_KEY'], secrets['CLEARML__SECURE__CREDENTIALS__APISERVER__USER_SECRET']);
    const answers = [
      await upload(token, 'system/planted.bin', 'planted'),
      await get(token, 'shared/model.bin'),
      await fetch(`${files.url}/shared`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } }),
    ];
    for (const res of answers) expect([res.status, await codeOf(res)]).toEqual([403, 'ERR_FORBIDDEN']);
  });

  it('gives the fileserver no credentials: the ones a ClearML deployment still configures do not log in', async () => {
    const res = await fetch(`${gateway.url}/auth.login`, {
      method: 'POST',
      headers: {
        Authorization: basic(secrets['CLEARML__SECURE__CREDENTIALS__FILESERVER__USER_KEY'], secrets['CLEARML__SECURE__CREDENTIALS__FILESERVER__USER_SECRET']),
      },
    });
    expect([res.status, await codeOf(res)]).toEqual([401, 'ERR_INVALID_CREDENTIALS']);
    expect(gateway.output()).toContain('secure.credentials.fileserver is set but no longer used');
  });
});
