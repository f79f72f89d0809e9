// npm run bench tokens: token verification per core (cold and cached), the cost cached verification
// adds to a request, and auth.login throughput with key:secret at concurrency 32. Baselines are
// measured in the same run on the same gateway process.
import { spawnService, waitForStatus } from '@warden/http/testing';
import { generateSecretSet } from '@warden/secrets';
import { benchVerify } from '@warden/tokens';
import { checkTarget, interleavedLoads, load, medianRoundRatio, printTable } from './report';

async function main(): Promise<void> {
  const verify = await benchVerify({ seconds: 3 });

  const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
  const gateway = await spawnService('auth-gateway', {
    ...secrets,
    NODE_ENV: 'production',
    CLEARML__AUTH_GATEWAY__LISTEN_PORT: '0',
    CLEARML__AUTH_GATEWAY__METRICS__ENABLED: 'false',
    CLEARML__HOSTS__MONGO__AUTH__HOST: `mongodb://127.0.0.1:27017/warden_bench_${process.pid}`,
  });
  try {
    await waitForStatus(`${gateway.url}/ready`, (s) => s === 200, 30_000);
    const key = secrets['CLEARML__SECURE__CREDENTIALS__APISERVER__USER_KEY'];
    const secret = secrets['CLEARML__SECURE__CREDENTIALS__APISERVER__USER_SECRET'];
    const basic = `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
    const login = await fetch(`${gateway.url}/auth.login`, { method: 'POST', headers: { Authorization: basic } });
    const { token } = ((await login.json()) as { data: { token: string } }).data;

    const health = await load('GET /health (baseline)', { url: `${gateway.url}/health` });
    // With and without a token, interleaved over several rounds so drift does not favour either side.
    const [anonymous, cached] = await interleavedLoads([
      { name: 'login.supported_modes, no token', options: { url: `${gateway.url}/login.supported_modes` } },
      { name: 'login.supported_modes, verified token', options: { url: `${gateway.url}/login.supported_modes`, headers: { Authorization: `Bearer ${token}` } } },
    ]);
    const logins = await load('auth.login key:secret, c=32', { url: `${gateway.url}/auth.login`, method: 'POST', headers: { Authorization: basic } });

    const overhead = 1 - medianRoundRatio(cached, anonymous);
    // The same cost from the in-process figures: one cached verification against one request's time.
    const share = health.requestsPerSec / verify.cachedPerSec;
    console.log('\ntoken benchmark (one gateway process; the load generator shares the 2 cores)\n');
    printTable([
      { name: 'verify/s per core, cold', value: verify.coldPerSec.toFixed(0) },
      { name: 'verify/s per core, cached', value: verify.cachedPerSec.toFixed(0), baseline: verify.coldPerSec.toFixed(0), ratio: (verify.cachedPerSec / verify.coldPerSec).toFixed(1) },
      ...[health, anonymous, cached, logins].map((r) => ({
        name: `${r.name} req/s`,
        value: r.requestsPerSec.toFixed(0),
        baseline: health.requestsPerSec.toFixed(0),
        ratio: (r.requestsPerSec / health.requestsPerSec).toFixed(2),
      })),
    ]);
    for (const r of [health, anonymous, cached, logins]) console.log(`  ${r.name}: p99 ${r.p99Ms} ms, errors ${r.errors}`);
    console.log('');
    const ok = [
      checkTarget(
        'cached verification adds under 5% to a request',
        overhead < 0.05,
        `${(overhead * 100).toFixed(1)}% end to end (median of per-round ratios, same endpoint with and without a token, token header parsing included); verification alone ${(share * 100).toFixed(2)}% of a /health request`,
      ),
      checkTarget('auth.login sustains 1,000 req/s', logins.requestsPerSec >= 1000 && logins.errors === 0, `${logins.requestsPerSec.toFixed(0)} req/s, ${logins.errors} errors`),
      checkTarget('no request failed', [health, anonymous, cached].every((r) => r.errors === 0), 'baselines'),
    ].every(Boolean);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await gateway.stop();
  }
}

void main();
