import { generateSecretSet } from '@warden/secrets';
import { spawnService, waitForStatus, type SpawnedService } from '@warden/http/testing';

// Integration tier: the built gateway and apiserver as their own processes, in production mode,
// against the real services; the apiserver forwards auth.* and login.* calls to the gateway.
const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
const common = { ...secrets, NODE_ENV: 'production', CLEARML__HOSTS__MONGO__AUTH__HOST: `mongodb://127.0.0.1:27017/warden_int_gw_${process.pid}` };
// ClearML's documented example fixed user: far too weak, but the operator's choice.
const WEAK_FIXED_PASSWORD = '12345678';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('auth-gateway process', () => {
  let gateway: SpawnedService;
  let apiserver: SpawnedService;

  beforeAll(async () => {
    gateway = await spawnService('auth-gateway', {
      ...common,
      CLEARML__AUTH_GATEWAY__LISTEN_PORT: '0',
      CLEARML__AUTH_GATEWAY__METRICS__ENABLED: 'false',
      CLEARML__APISERVER__AUTH__FIXED_USERS__ENABLED: 'true',
      CLEARML__APISERVER__AUTH__FIXED_USERS__USERS: `[{ username: "jane", password: "${WEAK_FIXED_PASSWORD}" }]`,
    });
    apiserver = await spawnService('apiserver', {
      ...common,
      CLEARML__APISERVER__LISTEN_PORT: '0',
      CLEARML__APISERVER__METRICS__ENABLED: 'false',
      CLEARML__APISERVER__AUTH_GATEWAY__URL: gateway.url,
    });
  }, 40_000);

  afterAll(async () => {
    expect(await apiserver.stop()).toBe(0);
    expect(await gateway.stop()).toBe(0);
    for (const value of Object.values(secrets)) {
      expect(gateway.output()).not.toContain(value);
      expect(apiserver.output()).not.toContain(value);
    }
  });

  it('starts in production with generated secrets and is ready once identity data is set up', async () => {
    const ready = await waitForStatus(`${gateway.url}/ready`, (s) => s === 200, 30_000);
    expect(Object.keys((ready.body as { checks: object }).checks).sort()).toEqual(['identity', 'mongodb', 'redis']);
  }, 35_000);

  it('warns at a production start about a fixed user whose password breaks the policy, and still lets it log in', async () => {
    await waitFor(() => gateway.output().includes('fixed user jane'));
    expect(gateway.output()).toMatch(/fixed user jane: the configured password breaks the password policy \(password must be at least 12 characters long\)/);
    expect(gateway.output()).not.toContain(WEAK_FIXED_PASSWORD);
    const res = await fetch(`${gateway.url}/auth.login`, { method: 'POST', headers: { Authorization: basic('jane', WEAK_FIXED_PASSWORD) } });
    expect(res.status).toBe(200);
  });

  it('answers auth.login through the apiserver, as the ClearML SDK calls it', async () => {
    const key = secrets['CLEARML__SECURE__CREDENTIALS__APISERVER__USER_KEY'];
    const secret = secrets['CLEARML__SECURE__CREDENTIALS__APISERVER__USER_SECRET'];
    const res = await fetch(`${apiserver.url}/v2.13/auth.login`, { headers: { Authorization: basic(key, secret) } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { token: string }; meta: { endpoint: { name: string } } };
    expect(body.meta.endpoint.name).toBe('auth.login');
    expect(body.data.token.split('.')).toHaveLength(3);
    expect(res.headers.get('set-cookie')).toMatch(/clearml_token_basic=.*HttpOnly/);

    const refused = await fetch(`${apiserver.url}/auth.login`, { method: 'POST', headers: { Authorization: basic(key, 'wrong') } });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { meta: { error_data: { code: string } } }).meta.error_data.code).toBe('ERR_INVALID_CREDENTIALS');
  });

  it('forwards login.* too, and answers 503 when the gateway cannot be reached', async () => {
    const modes = await fetch(`${apiserver.url}/login.supported_modes`);
    expect(((await modes.json()) as { data: { basic: { enabled: boolean } } }).data.basic.enabled).toBe(true);
    const orphan = await spawnService('apiserver', {
      ...common,
      CLEARML__APISERVER__LISTEN_PORT: '0',
      CLEARML__APISERVER__METRICS__ENABLED: 'false',
      CLEARML__APISERVER__AUTH_GATEWAY__URL: 'http://127.0.0.1:1',
    });
    try {
      const res = await fetch(`${orphan.url}/auth.login`, { method: 'POST' });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { meta: { error_data: { code: string } } }).meta.error_data.code).toBe('ERR_SERVICE_UNAVAILABLE');
    } finally {
      await orphan.stop();
    }
    // Starting a second apiserver takes seconds on a loaded machine.
  }, 20_000);
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
