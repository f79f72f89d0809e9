import { randomBytes } from 'node:crypto';
// npm run bench tokens: token verification per core (cold and cached), the cost cached verification
// adds to a request, and auth.login throughput with key:secret at concurrency 32. Baselines are
// measured in the same run on the same gateway: per-core costs on one worker, login throughput with
// one worker per core as deployed.
import { availableParallelism } from 'node:os';
import { spawnService, waitForStatus, type SpawnedService } from '@warden/http/testing';
import { generateSecretSet } from '@warden/secrets';
import { benchVerify } from '@warden/token-issuer/bench';
import { checkTarget, interleavedLoads, load, medianRoundRatio, printTable, type LoadResult } from './report';

/** The gateway in production mode with `workers` processes, once every one of them listens. */
async function startGateway(secrets: Record<string, string>, workers: number): Promise<SpawnedService> {
  const gateway = await spawnService('auth-gateway', {
    ...secrets,
    NODE_ENV: 'production',
    CLEARML__AUTH_GATEWAY__WORKERS: String(workers),
    CLEARML__AUTH_GATEWAY__LISTEN_PORT: '0',
    CLEARML__AUTH_GATEWAY__METRICS__ENABLED: 'false',
    CLEARML__HOSTS__MONGO__AUTH__HOST: `mongodb://127.0.0.1:27017/warden_bench_${randomBytes(6).toString('hex')}`,
  });
  await waitForStatus(`${gateway.url}/ready`, (s) => s === 200, 30_000);
  const deadline = Date.now() + 30_000;
  while (gateway.output().split('auth-gateway listening').length - 1 < workers) {
    if (Date.now() > deadline) throw new Error(`only some of ${workers} gateway workers started:\n${gateway.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return gateway;
}

/** Runs `measure` against a gateway of `workers` processes and stops the gateway, whatever happens. */
async function withGateway<T>(secrets: Record<string, string>, workers: number, measure: (url: string) => Promise<T>): Promise<T> {
  const gateway = await startGateway(secrets, workers);
  try {
    return await measure(gateway.url);
  } finally {
    await gateway.stop();
  }
}

async function main(): Promise<void> {
  const verify = await benchVerify({ seconds: 3 });

  const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
  const key = secrets['CLEARML__SECURE__CREDENTIALS__APISERVER__USER_KEY'];
  const secret = secrets['CLEARML__SECURE__CREDENTIALS__APISERVER__USER_SECRET'];
  const basic = `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
  const loginLoad = (url: string, name: string) => load(name, { url: `${url}/auth.login`, method: 'POST', headers: { Authorization: basic } });

  // Per-core costs on one worker, where the scheduler adds the least noise.
  const single = await withGateway(secrets, 1, async (url) => {
    const login = await fetch(`${url}/auth.login`, { method: 'POST', headers: { Authorization: basic } });
    const { token } = ((await login.json()) as { data: { token: string } }).data;
    const health = await load('1 worker: GET /health (baseline)', { url: `${url}/health` });
    // With and without a token, interleaved over several rounds so drift does not favour either side.
    const [anonymous, cached] = await interleavedLoads([
      { name: '1 worker: login.supported_modes, no token', options: { url: `${url}/login.supported_modes` } },
      {
        name: '1 worker: login.supported_modes, verified token',
        options: { url: `${url}/login.supported_modes`, headers: { Authorization: `Bearer ${token}` } },
      },
    ]);
    const logins = await loginLoad(url, '1 worker: auth.login key:secret, c=32');
    return { health, anonymous, cached, logins };
  });
  // Throughput as deployed on this machine: one worker per core.
  const workers = availableParallelism();
  const pool = await withGateway(secrets, workers, async (url) => ({
    health: await load(`${workers} workers: GET /health (baseline)`, { url: `${url}/health` }),
    logins: await loginLoad(url, `${workers} workers: auth.login key:secret, c=32`),
  }));

  const overhead = 1 - medianRoundRatio(single.cached, single.anonymous);
  // The same cost from the in-process figures: one cached verification against one request's time.
  const share = single.health.requestsPerSec / verify.cachedPerSec;
  console.log('\ntoken benchmark (the load generator shares the cores with the gateway, Redis and FerretDB)\n');
  const rows = (baseline: LoadResult, results: LoadResult[]) =>
    results.map((r) => ({
      name: `${r.name} req/s`,
      value: r.requestsPerSec.toFixed(0),
      baseline: baseline.requestsPerSec.toFixed(0),
      ratio: (r.requestsPerSec / baseline.requestsPerSec).toFixed(2),
    }));
  const all = [single.health, single.anonymous, single.cached, single.logins, pool.health, pool.logins];
  printTable([
    { name: 'verify/s per core, cold', value: verify.coldPerSec.toFixed(0) },
    {
      name: 'verify/s per core, cached',
      value: verify.cachedPerSec.toFixed(0),
      baseline: verify.coldPerSec.toFixed(0),
      ratio: (verify.cachedPerSec / verify.coldPerSec).toFixed(1),
    },
    ...rows(single.health, [single.health, single.anonymous, single.cached, single.logins]),
    ...rows(pool.health, [pool.health, pool.logins]),
  ]);
  for (const r of all) console.log(`  ${r.name}: p99 ${r.p99Ms} ms, errors ${r.errors}`);
  console.log('');
  const ok = [
    checkTarget(
      'cached verification adds under 5% to a request',
      overhead < 0.05,
      `${(overhead * 100).toFixed(1)}% end to end (one worker, median of per-round ratios, same endpoint with and without a token, token header parsing included); verification alone ${(share * 100).toFixed(2)}% of a /health request`,
    ),
    checkTarget(
      `auth.login sustains 1,000 req/s on this ${workers}-core machine`,
      pool.logins.requestsPerSec >= 1000 && pool.logins.errors === 0,
      `${pool.logins.requestsPerSec.toFixed(0)} req/s with ${workers} workers, ${pool.logins.errors} errors (one worker: ${single.logins.requestsPerSec.toFixed(0)} req/s)`,
    ),
    checkTarget(
      'no request failed',
      all.every((r) => r.errors === 0),
      'every load above',
    ),
  ].every(Boolean);
  process.exitCode = ok ? 0 : 1;
}

void main();
