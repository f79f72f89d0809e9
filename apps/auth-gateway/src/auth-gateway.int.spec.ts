import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { generateSecretSet } from '@warden/secrets';
import { spawnService, waitForStatus, type SpawnedService } from '@warden/http/testing';

// Integration tier: the built gateway and apiserver as their own processes, in production mode,
// against the real services; the apiserver forwards auth.* and login.* calls to the gateway.
const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
const common = {
  ...secrets,
  NODE_ENV: 'production',
  CLEARML__HOSTS__MONGO__AUTH__HOST: `mongodb://127.0.0.1:27017/warden_int_gw_${randomBytes(6).toString('hex')}`,
};
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

  describe('tenant create, the operator command run inside the deployment', () => {
    const main = resolve(__dirname, '../../../dist/apps/auth-gateway/main.js');
    const operatorEnv = {
      PATH: process.env.PATH ?? '',
      CLEARML_CONFIG_DIR: '/nonexistent-warden-config',
      CLEARML__SECURE__AUTH__OPERATOR_SECRET: secrets['CLEARML__SECURE__AUTH__OPERATOR_SECRET'],
    };
    const tenant = (args: string[], env: Record<string, string> = operatorEnv) =>
      promisify(execFile)(process.execPath, [main, 'tenant', 'create', '--url', gateway.url, ...args], { env }).then(
        (out) => ({ code: 0, ...out }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
      );

    // Each command is a Node start of its own: seconds on a loaded machine.
    const CLI_TIMEOUT_MS = 20_000;
    beforeAll(() => waitForStatus(`${gateway.url}/ready`, (s) => s === 200, 30_000), 35_000);

    it(
      'founds a company whose admin logs in through the apiserver with the key pair printed once',
      async () => {
        const out = await tenant(['--name', 'Cli Co', '--admin', `cli-admin-${process.pid}`, '--admin-name', 'Cli Admin']);
        expect(out.code).toBe(0);
        const founded = JSON.parse(out.stdout) as {
          company: { id: string; name: string };
          admin: { role: string };
          credentials: { access_key: string; secret_key: string };
        };
        expect(founded).toMatchObject({ company: { name: 'Cli Co' }, admin: { role: 'admin' }, password_set: false });
        const { access_key, secret_key } = founded.credentials;
        const login = await fetch(`${apiserver.url}/auth.login`, { method: 'POST', headers: { Authorization: basic(access_key, secret_key) } });
        const token = ((await login.json()) as { data: { token: string } }).data.token;
        const me = await fetch(`${apiserver.url}/users.get_current_user`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
        expect(((await me.json()) as { data: { user: unknown } }).data.user).toMatchObject({ role: 'admin', company: founded.company });
        expect(gateway.output()).toContain('tenant founded');
        expect(gateway.output()).not.toContain(secret_key);
      },
      CLI_TIMEOUT_MS,
    );

    it(
      'reads the admin password from a file, and the operator secret from a _FILE variant',
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'warden-tenant-cli-'));
        writeFileSync(join(dir, 'password'), 'a founding admin passphrase 8\n', { mode: 0o600 });
        writeFileSync(join(dir, 'operator'), secrets['CLEARML__SECURE__AUTH__OPERATOR_SECRET'], { mode: 0o600 });
        const out = await tenant(['--name', 'File Co', '--admin', `file-admin-${process.pid}`, '--admin-password-file', join(dir, 'password')], {
          PATH: operatorEnv.PATH,
          CLEARML_CONFIG_DIR: operatorEnv.CLEARML_CONFIG_DIR,
          CLEARML__SECURE__AUTH__OPERATOR_SECRET_FILE: join(dir, 'operator'),
        });
        expect([out.code, JSON.parse(out.stdout).password_set]).toEqual([0, true]);
        const login = await fetch(`${gateway.url}/auth.login`, {
          method: 'POST',
          headers: { Authorization: basic(`file-admin-${process.pid}`, 'a founding admin passphrase 8') },
        });
        expect(login.status).toBe(200);
      },
      CLI_TIMEOUT_MS,
    );

    it(
      "fails with the gateway's refusal for a wrong operator secret, and prints no secret",
      async () => {
        const wrong = generateSecretSet().find((s) => s.envVar === 'CLEARML__SECURE__AUTH__OPERATOR_SECRET')!.value;
        const out = await tenant(['--name', 'Wrong Co', '--admin', `wrong-${process.pid}`], { ...operatorEnv, CLEARML__SECURE__AUTH__OPERATOR_SECRET: wrong });
        expect(out.code).toBe(1);
        expect(out.stderr).toContain('tenant create refused: 401 ERR_INVALID_CREDENTIALS');
        expect(out.stdout + out.stderr).not.toContain(wrong);
        expect(gateway.output()).not.toContain(wrong);
      },
      CLI_TIMEOUT_MS,
    );
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
