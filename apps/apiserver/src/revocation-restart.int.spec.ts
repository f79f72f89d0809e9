import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnApiserverFor, spawnTestGateway, type TestGateway } from '@warden/auth-service/testing';
import { spawnService, startOwnRedis, waitForStatus, type OwnRedis, type SpawnedService } from '@warden/http/testing';

// Integration tier: gateway, apiserver and fileserver as production processes on a Redis of this
// test's own (killed and started again empty) and the shared MongoDB-wire server, which keeps the
// record of revocations. The verifiers may serve a stale list for 1 s here, then must refuse.
const db = `warden_int_revocation_${process.pid}_${Date.now()}`;
const STALENESS_SEC = 1;
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  status: number;
  code?: string;
}

describe('revocations survive a Redis that restarts empty (gateway, apiserver, fileserver)', () => {
  let redis: OwnRedis;
  let gateway: TestGateway;
  let api: SpawnedService;
  let files: SpawnedService;

  const call = async (path: string, token: string | undefined, body: unknown = {}, headers: Record<string, string> = {}) => {
    const res = await fetch(`${gateway.service.url}/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token && { Authorization: `Bearer ${token}` }), ...headers },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { meta: { error_data: { code?: string } }; data: Record<string, unknown> };
    if (res.status !== 200) throw new Error(`${path} answered ${res.status} ${json.meta.error_data.code}`);
    return json.data;
  };
  const loginWith = async (id: string, secret: string) => {
    const data = await call('auth.login', undefined, {}, { Authorization: basic(id, secret) });
    gateway.issued.push(data.token as string);
    return data.token as string;
  };
  const answer = async (res: Response): Promise<Answer> => {
    const text = await res.text();
    const code = res.headers.get('content-type')?.includes('json')
      ? (JSON.parse(text) as { meta?: { error_data?: { code?: string } } }).meta?.error_data?.code
      : undefined;
    return { status: res.status, code };
  };
  const atApi = async (token: string) =>
    answer(
      await fetch(`${api.url}/projects.get_all`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: '{}',
      }),
    );
  const atFiles = async (token: string) => answer(await fetch(`${files.url}/missing.txt`, { headers: { Authorization: `Bearer ${token}` } }));
  const accepted = (a: Answer) => a.status === 200 || a.status === 404;
  const revoked = (a: Answer) => a.status === 401 && a.code === 'ERR_JWT_REVOKED';

  beforeAll(async () => {
    redis = await startOwnRedis();
    gateway = await spawnTestGateway(db, {
      CLEARML_REDIS_SERVICE_PORT: String(redis.port),
      CLEARML__APISERVER__AUTH__REVOCATION_MAX_STALENESS_SEC: String(STALENESS_SEC),
      CLEARML__FILESERVER__AUTH__REVOCATION_MAX_STALENESS_SEC: String(STALENESS_SEC),
    });
    api = await spawnApiserverFor(gateway, db);
    files = await spawnService('fileserver', {
      ...gateway.env,
      CLEARML__FILESERVER__LISTEN_PORT: '0',
      CLEARML__FILESERVER__METRICS__ENABLED: 'false',
      CLEARML__FILESERVER__STORAGE__PATH: mkdtempSync(join(tmpdir(), 'warden-revocation-files-')),
      CLEARML__FILESERVER__AUTH__JWKS_URL: gateway.jwksUrl,
    });
    await waitForStatus(`${files.url}/ready`, (s) => s === 200);
  }, 90_000);

  afterAll(async () => {
    await files?.stop();
    await api?.stop();
    await gateway?.stop();
    await redis?.kill();
    const output = [gateway.service, api, files].map((s) => s.output()).join('');
    for (const value of [...Object.values(gateway.secrets), ...gateway.issued]) expect(output).not.toContain(value);
  });

  it('refuses a logged-out token, its renewal, a revoked key’s token and a disabled (then re-enabled) user’s token at both services within 2 s of Redis returning empty', async () => {
    const admin = await gateway.createTenant('revokers', 'admin');
    const adminToken = await loginWith(admin.accessKey, admin.secretKey);
    const username = `worker-${db}`;
    const password = 'a long enough passphrase 4 tests';
    await call('auth.create_user', adminToken, { username, password });
    const userToken = await loginWith(username, password);
    const userId = (await call('users.get_current_user', userToken)).user as { id: string };
    const key = (await call('auth.create_credentials', userToken)).credentials as { access_key: string; secret_key: string };
    gateway.issued.push(key.secret_key);

    const loggedOut = await loginWith(admin.accessKey, admin.secretKey);
    const renewed = (await call('auth.login', loggedOut)).token as string;
    gateway.issued.push(renewed);
    await call('auth.logout', loggedOut);
    const keyToken = await loginWith(key.access_key, key.secret_key);
    await call('auth.revoke_credentials', userToken, { access_key: key.access_key });
    const disabled = await loginWith(username, password);
    await call('auth.edit_user', adminToken, { user: userId.id, enabled: false });
    await call('auth.edit_user', adminToken, { user: userId.id, enabled: true });
    const control = await loginWith(admin.accessKey, admin.secretKey);
    const refusedTokens = { loggedOut, renewed, keyToken, disabled };

    const check = async () => {
      const answers: Record<string, Answer> = {};
      for (const [name, token] of Object.entries({ ...refusedTokens, control })) {
        answers[`${name}@api`] = await atApi(token);
        answers[`${name}@files`] = await atFiles(token);
      }
      return answers;
    };
    const allAsExpected = (answers: Record<string, Answer>) =>
      Object.entries(answers).every(([name, a]) => (name.startsWith('control@') ? accepted(a) : revoked(a)));

    let answers = await check();
    for (const deadline = Date.now() + 2000; !allAsExpected(answers) && Date.now() < deadline;) answers = await check();
    expect(answers).toEqual(
      expect.objectContaining({ 'control@api': { status: 200, code: undefined }, 'control@files': expect.objectContaining({ status: 404 }) }),
    );
    expect(allAsExpected(answers)).toBe(true);

    // Down longer than the staleness bound: every verifier refuses rather than trust an old list.
    await redis.kill();
    await sleep(STALENESS_SEC * 1000 + 1000);
    expect(await atApi(control)).toEqual({ status: 503, code: 'ERR_SERVICE_UNAVAILABLE' });
    expect(await atFiles(control)).toEqual({ status: 503, code: 'ERR_SERVICE_UNAVAILABLE' });
    // And they say so at /ready, so a load balancer sends no traffic they would only refuse.
    for (const service of [api, files]) {
      const ready = await fetch(`${service.url}/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { failing: string[] }).failing).toContain('revocations');
    }

    await redis.start();
    const back = Date.now();
    const seenAccepted: string[] = [];
    for (;;) {
      answers = await check();
      for (const [name, a] of Object.entries(answers)) if (!name.startsWith('control@') && accepted(a)) seenAccepted.push(name);
      if (allAsExpected(answers) || Date.now() - back > 10_000) break;
      await sleep(50);
    }
    const elapsedMs = Date.now() - back;
    console.log(`after Redis came back empty, both services refused every revoked token in ${elapsedMs} ms`);
    expect(seenAccepted).toEqual([]);
    expect(answers).toEqual(
      Object.fromEntries(
        Object.keys(answers).map((name) => [
          name,
          name.startsWith('control@') ? expect.objectContaining({ status: name.endsWith('@api') ? 200 : 404 }) : { status: 401, code: 'ERR_JWT_REVOKED' },
        ]),
      ),
    );
    expect(elapsedMs).toBeLessThan(2000);

    // Past the staleness bound, the list they use is the rebuilt one, not the one from before.
    await sleep(STALENESS_SEC * 1000 + 500);
    expect(allAsExpected(await check())).toBe(true);
  }, 60_000);
});
