import { randomBytes } from 'node:crypto';
import { generateSecretSet } from '@warden/secrets';
import { listeningCount, spawnService, waitForStatus, workerPids, type SpawnedService } from '@warden/http/testing';

// Integration tier: the built gateway as a pool of two workers behind one port, in production mode.
const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
const env = {
  ...secrets,
  NODE_ENV: 'production',
  CLEARML__AUTH_GATEWAY__WORKERS: '2',
  CLEARML__AUTH_GATEWAY__LISTEN_PORT: '0',
  CLEARML__AUTH_GATEWAY__METRICS__LISTEN_PORT: '0',
  CLEARML__HOSTS__MONGO__AUTH__HOST: `mongodb://127.0.0.1:27017/warden_int_gw_workers_${randomBytes(6).toString('hex')}`,
};
const basic = `Basic ${Buffer.from(`${secrets['CLEARML__SECURE__CREDENTIALS__APISERVER__USER_KEY']}:${secrets['CLEARML__SECURE__CREDENTIALS__APISERVER__USER_SECRET']}`).toString('base64')}`;

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function login(gateway: SpawnedService): Promise<number> {
  return (await fetch(`${gateway.url}/auth.login`, { method: 'POST', headers: { Authorization: basic } })).status;
}

describe('auth-gateway with workers', () => {
  let gateway: SpawnedService;

  beforeAll(async () => {
    gateway = await spawnService('auth-gateway', env, 40_000);
    await waitForStatus(`${gateway.url}/ready`, (s) => s === 200, 30_000);
    await until(() => listeningCount(gateway, 'auth-gateway') === 2, 20_000);
  }, 60_000);

  afterAll(async () => {
    if (gateway.child.exitCode === null) await gateway.stop();
    for (const value of Object.values(secrets)) expect(gateway.output()).not.toContain(value);
  });

  it('serves one port from two worker processes whose tokens verify everywhere', async () => {
    expect(workerPids(gateway)).toHaveLength(2);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => login(gateway)));
    expect(statuses).toEqual(Array(20).fill(200));
  });

  it('spreads connections over both workers and aggregates their metrics on the primary', async () => {
    const url = /"url":"(http:\/\/[\d.]+:\d+\/metrics)"/.exec(gateway.output())?.[1];
    expect(url).toBeDefined();
    const count = async () => {
      const text = await (await fetch(url!)).text();
      const line = text.split('\n').find((l) => l.startsWith('http_request_duration_seconds_count') && l.includes('route="login.supported_modes"'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await count();
    // Separate connections, so the primary hands them to both workers.
    await Promise.all(Array.from({ length: 40 }, () => fetch(`${gateway.url}/login.supported_modes`, { headers: { Connection: 'close' } })));
    expect((await count()) - before).toBe(40);
    const servedBy = new Set(
      gateway
        .output()
        .split('\n')
        .filter((line) => line.includes('"path":"/login.supported_modes"'))
        .map((line) => (JSON.parse(line) as { pid: number }).pid),
    );
    expect([...servedBy].sort()).toEqual(workerPids(gateway).sort());
  });

  it('replaces a worker that dies and keeps answering meanwhile', async () => {
    const [victim, survivor] = workerPids(gateway);
    process.kill(victim, 'SIGKILL');
    // Connections the primary had handed to the victim die with it; those made after the primary
    // noticed go to the survivor until the replacement listens.
    await until(() => gateway.output().includes('a worker died: starting another'), 5000);
    const statuses = await Promise.all(Array.from({ length: 10 }, () => login(gateway)));
    expect(statuses).toEqual(Array(10).fill(200));
    await until(() => listeningCount(gateway, 'auth-gateway') === 3, 20_000);
    const pids = workerPids(gateway);
    expect(pids).toHaveLength(2);
    expect(pids).toContain(survivor);
    expect(pids).not.toContain(victim);
  }, 30_000);

  it('drains every worker on SIGTERM and exits 0', async () => {
    const pids = workerPids(gateway);
    expect(await gateway.stop()).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 30_000);
});

describe('auth-gateway with workers but no shared secret', () => {
  it('refuses to start, naming the secret, instead of letting each worker draw its own', async () => {
    const withoutSecret: Record<string, string> = { ...env };
    delete withoutSecret['CLEARML__SECURE__AUTH__TOKEN_SECRET'];
    const start = spawnService('auth-gateway', { ...withoutSecret, NODE_ENV: 'development' }, 40_000);
    await expect(start).rejects.toThrow(
      /exited with 78 before listening[\s\S]*secure\.auth\.token_secret is not set, and the workers of one service must share it/,
    );
  }, 45_000);
});
