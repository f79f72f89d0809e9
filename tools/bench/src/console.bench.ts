// npm run bench console: the web console's login page (GET) and password login (POST, fixed users:
// the form, its CSRF check, the rate-limit counters, token signing, audit and cookies) at
// concurrency 16, next to GET /health and to the API's auth.login of the same gateway in the same run.
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { spawnService, waitForStatus } from '@warden/http/testing';
import { generateSecretSet } from '@warden/secrets';
import { checkTarget, interleavedLoads, medianRoundRatio, printTable, type LoadResult } from './report';

const CONNECTIONS = 16;
// Parallel attempts on one account from one address are reserved against its failure budget
// before the password is checked (see the README's login limits), so each request of the load
// logs in another of these users in turn, as many people behind one office address would.
const USERS = Array.from({ length: 64 }, (_, i) => ({ username: `bench${i}`, password: randomBytes(18).toString('base64url') }));

/** A login POST answers 303: only 4xx, 5xx and socket errors count as failures here. */
async function loginLoad(name: string, options: autocannon.Options): Promise<LoadResult> {
  const result = await autocannon({ duration: 5, connections: CONNECTIONS, ...options });
  if (result['4xx'] + result['5xx'] > 0) console.log(`  ${name}: ${result['4xx']} 4xx, ${result['5xx']} 5xx`);
  return { name, requestsPerSec: result.requests.average, p99Ms: result.latency.p99, errors: result.errors + result['4xx'] + result['5xx'] };
}

function mean(runs: LoadResult[]): LoadResult {
  const avg = (pick: (r: LoadResult) => number) => runs.reduce((sum, r) => sum + pick(r), 0) / runs.length;
  return {
    name: runs[0].name,
    requestsPerSec: avg((r) => r.requestsPerSec),
    p99Ms: Math.max(...runs.map((r) => r.p99Ms)),
    errors: avg((r) => r.errors) * runs.length,
  };
}

async function main(): Promise<void> {
  const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
  const gateway = await spawnService('auth-gateway', {
    ...secrets,
    NODE_ENV: 'production',
    CLEARML__AUTH_GATEWAY__LISTEN_PORT: '0',
    CLEARML__AUTH_GATEWAY__METRICS__ENABLED: 'false',
    CLEARML__HOSTS__MONGO__AUTH__HOST: `mongodb://127.0.0.1:27017/warden_bench_${randomBytes(6).toString('hex')}`,
    CLEARML__AUTH_GATEWAY__LOGIN__LIMITS__KEY_PREFIX: `warden:bench:${randomBytes(6).toString('hex')}`,
    CLEARML__APISERVER__AUTH__FIXED_USERS__ENABLED: 'true',
    CLEARML__APISERVER__AUTH__FIXED_USERS__USERS: JSON.stringify(USERS.map((u) => ({ ...u, name: u.username, admin: false }))),
  });
  try {
    await waitForStatus(`${gateway.url}/ready`, (s) => s === 200, 30_000);
    // One browser's login form: its CSRF cookie and field, replayed by every request of the load.
    const page = await fetch(`${gateway.url}/login`);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const forms = USERS.map((u) => new URLSearchParams({ _csrf: csrf, username: u.username, password: u.password, next: '/console' }).toString());
    const check = await fetch(`${gateway.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: forms[0],
    });
    if (check.status !== 303) throw new Error(`the bench login answered ${check.status}`);

    const [health, loginPage] = await interleavedLoads(
      [
        { name: 'GET /health (baseline)', options: { url: `${gateway.url}/health`, connections: CONNECTIONS } },
        { name: 'GET /login (page)', options: { url: `${gateway.url}/login`, connections: CONNECTIONS, headers: { Cookie: cookie } } },
      ],
      4,
      4,
    );
    // The same logins through the API (auth.login with username:password), interleaved with the form's.
    let turn = 0;
    const basics = USERS.map((u) => `Basic ${Buffer.from(`${u.username}:${u.password}`).toString('base64')}`);
    const formLogins: LoadResult[] = [];
    const apiLogins: LoadResult[] = [];
    for (let round = 0; round < 2; round += 1) {
      formLogins.push(
        await loginLoad('POST /login (form, 303 + cookies)', {
          url: `${gateway.url}/login`,
          method: 'POST',
          headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
          requests: [{ setupRequest: (req) => ({ ...req, body: forms[(turn += 1) % forms.length] }) }],
        }),
      );
      apiLogins.push(
        await loginLoad('POST /auth.login (API, username:password)', {
          url: `${gateway.url}/auth.login`,
          method: 'POST',
          requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, Authorization: basics[(turn += 1) % basics.length] } }) }],
        }),
      );
    }
    const logins = mean(formLogins);
    const api = mean(apiLogins);
    const ratio = medianRoundRatio(loginPage, health);
    console.log(
      `\nconsole benchmark, concurrency ${CONNECTIONS}, one gateway worker (the load generator shares the cores with the gateway, Redis and FerretDB)\n`,
    );
    printTable(
      [health, loginPage, logins, api].map((r) => ({
        name: `${r.name} req/s`,
        value: r.requestsPerSec.toFixed(0),
        baseline: health.requestsPerSec.toFixed(0),
        ratio: (r.requestsPerSec / health.requestsPerSec).toFixed(2),
      })),
    );
    for (const r of [health, loginPage, logins, api]) console.log(`  ${r.name}: p99 ${r.p99Ms} ms, errors ${r.errors}`);
    console.log('');
    console.log(`  the form's logins against the API's: ${(logins.requestsPerSec / api.requestsPerSec).toFixed(2)}x (same users, same limits)\n`);
    const ok = [
      checkTarget('the login page GET sustains at least 0.5x /health', ratio >= 0.5, `${ratio.toFixed(2)}x (median of per-round ratios, interleaved)`),
      checkTarget(
        'no request failed',
        [health, loginPage, logins, api].every((r) => r.errors === 0),
        'every load above',
      ),
    ].every(Boolean);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await gateway.stop();
  }
}

void main();
