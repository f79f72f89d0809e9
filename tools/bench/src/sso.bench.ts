// npm run bench sso: what an SSO login costs the gateway (the callback: state, code exchange against an
// in-process provider, ID and access token checks, user lookup and group sync, session issue) in
// logins/s at concurrency 16, next to a password login (auth.login username:password, scrypt) on the
// same gateway in the same run, interleaved over rounds. The sign-in starts and the provider's
// authorize step are prepared before each timed round; only the callbacks are timed.
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import mongoose from 'mongoose';
import { IdentityStore } from '@warden/identity';
import { spawnService, waitForStatus, type SpawnedService } from '@warden/http/testing';
import { generateSecretSet } from '@warden/secrets';
import { TestBrowser, TestProvider } from '@warden/sso/testing';
import { checkTarget, printTable } from './report';

const CONCURRENCY = 16;
const PER_ROUND = 240;
const ROUNDS = 3;
const PASSWORD = 'bench passphrase for the sso comparison 7';

interface Timed {
  perSec: number;
  failures: number;
}

/** Runs `count` calls with `concurrency` in flight; a call answering false is a failure. */
async function drive(count: number, concurrency: number, call: (i: number) => Promise<boolean>): Promise<Timed> {
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        if (!(await call(i).catch(() => false))) failures++;
      }
    }),
  );
  return { perSec: count / ((performance.now() - started) / 1000), failures };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function main(): Promise<void> {
  const provider = await new TestProvider({ alg: 'ES256' }).start();
  provider.user = { sub: 'bench-user', claims: { preferred_username: 'bench-sso', email: 'bench@example.com', email_verified: true, groups: ['bench-team'] } };
  const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
  const db = `warden_bench_sso_${randomBytes(6).toString('hex')}`;
  const company = randomBytes(16).toString('hex');
  // Production wants the exact public URL for redirect URIs, so the port is chosen before the start.
  const port = await freePort();
  const gateway: SpawnedService = await spawnService('auth-gateway', {
    ...secrets,
    NODE_ENV: 'production',
    CLEARML__AUTH_GATEWAY__LISTEN_PORT: String(port),
    CLEARML__AUTH_GATEWAY__CONSOLE__WEB_HOST: `http://127.0.0.1:${port}`,
    CLEARML__AUTH_GATEWAY__METRICS__ENABLED: 'false',
    CLEARML__AUTH_GATEWAY__LOGIN__LIMITS__KEY_PREFIX: `warden:bench:${db}`,
    // Password attempts are reserved against the per-address limits while in flight: 16 at once from
    // one address would be refused (429) as guessing, so the baseline raises them to measure the logins.
    CLEARML__AUTH_GATEWAY__LOGIN__LIMITS__PER_CLIENT__FAILURES: '1000000',
    CLEARML__AUTH_GATEWAY__LOGIN__LIMITS__PER_ACCOUNT_CLIENT__FAILURES: '1000000',
    CLEARML__HOSTS__MONGO__AUTH__HOST: `mongodb://127.0.0.1:27017/${db}`,
    // The seed's variables, against the in-process provider.
    CLEARML__services__login__sso__oauth_client__bench__base_url: provider.issuer,
    CLEARML__secure__login__sso__oauth_client__bench__client_id: provider.clientId,
    CLEARML__secure__login__sso__oauth_client__bench__client_secret: provider.clientSecret,
    CLEARML__secure__login__sso__oauth_client__bench__default_company: company,
    CLEARML__services__login__sso__oauth_client__bench__groups__enabled: 'true',
    CLEARML__services__login__sso__oauth_client__bench__claims__name: 'preferred_username',
  });
  const connection = await mongoose.createConnection(`mongodb://127.0.0.1:27017/${db}`).asPromise();
  const store = new IdentityStore({ connection, credentialPepper: secrets['CLEARML__SECURE__AUTH__TOKEN_SECRET'] });
  try {
    await waitForStatus(`${gateway.url}/ready`, (s) => s === 200, 30_000);
    await store.ensureCompany({ id: company, name: 'Bench' });
    await store.createUser({ company, username: 'bench-password', password: PASSWORD });
    const basic = `Basic ${Buffer.from(`bench-password:${PASSWORD}`).toString('base64')}`;
    const ssoRounds: Timed[] = [];
    const passwordRounds: Timed[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Untimed: each sign-in's start (state in Redis, binding cookie) and the provider's authorize.
      const prepared: { browser: TestBrowser; path: string }[] = [];
      await drive(PER_ROUND, CONCURRENCY, async () => {
        const browser = new TestBrowser(gateway.url);
        const callback = await browser.toCallback('bench', '/console');
        prepared.push({ browser, path: `${callback.pathname}${callback.search}` });
        return true;
      });
      const sso = () =>
        drive(prepared.length, CONCURRENCY, async (i) => {
          const answer = await prepared[i].browser.get(prepared[i].path);
          return answer.status === 303 && answer.location === '/console' && answer.cookies['clearml_token_basic'] !== undefined;
        });
      const password = () =>
        drive(PER_ROUND, CONCURRENCY, async () => {
          const res = await fetch(`${gateway.url}/auth.login`, { method: 'POST', headers: { Authorization: basic } });
          await res.arrayBuffer();
          return res.status === 200;
        });
      // Alternate the order so that warming up favours neither.
      if (round % 2 === 0) {
        ssoRounds.push(await sso());
        passwordRounds.push(await password());
      } else {
        passwordRounds.push(await password());
        ssoRounds.push(await sso());
      }
    }
    const median = (runs: Timed[]) => [...runs].sort((a, b) => a.perSec - b.perSec)[Math.floor(runs.length / 2)].perSec;
    const ssoRate = median(ssoRounds);
    const passwordRate = median(passwordRounds);
    const failures = [...ssoRounds, ...passwordRounds].reduce((sum, r) => sum + r.failures, 0);
    console.log(`\nsso benchmark: one gateway worker, concurrency ${CONCURRENCY}, ${ROUNDS} interleaved rounds of ${PER_ROUND} logins each, median round\n`);
    printTable([
      { name: 'password login (auth.login user:password) logins/s', value: passwordRate.toFixed(1) },
      {
        name: 'SSO callback (exchange, checks, lookup, session) logins/s',
        value: ssoRate.toFixed(1),
        baseline: passwordRate.toFixed(1),
        ratio: (ssoRate / passwordRate).toFixed(2),
      },
    ]);
    console.log(
      `  rounds, SSO: ${ssoRounds.map((r) => r.perSec.toFixed(1)).join(', ')}; password: ${passwordRounds.map((r) => r.perSec.toFixed(1)).join(', ')}\n`,
    );
    const ok = [
      checkTarget('SSO login at least 0.5x password login', ssoRate >= 0.5 * passwordRate, `${(ssoRate / passwordRate).toFixed(2)}x`),
      checkTarget('no login failed', failures === 0, `${failures} failures`),
    ].every(Boolean);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await store.close();
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
    await gateway.stop();
    await provider.stop();
  }
}

void main();
