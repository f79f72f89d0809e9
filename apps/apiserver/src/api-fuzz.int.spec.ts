import { request as httpRequest } from 'node:http';
import { Client } from '@elastic/elasticsearch';
import fc from 'fast-check';
import mongoose from 'mongoose';
import { EventStore } from '@warden/events';
import { hostileRequests, spawnService, startOwnRedis, waitForStatus, type HostileRequest, type OwnRedis, type SpawnedService } from '@warden/http/testing';
import { IdentityStore } from '@warden/identity';
import { generateSecretSet } from '@warden/secrets';

// Integration tier: every ClearML endpoint of the apiserver and of the gateway, as each built app
// logs them at start (a new endpoint is fuzzed without touching this file), driven with generated
// hostile calls on both apps as production processes against the real MongoDB-wire server and
// Elasticsearch, and a Redis of this test's own (failed logins would otherwise fill the shared
// one's rate limits). Any 5xx but a 503 naming a backend fails, as does a stack in an answer.
//   WARDEN_FUZZ_SEED     replays a run (the seed is printed at the start)
//   WARDEN_FUZZ_BUDGET_MS time for all endpoints together (40 s by default)
//   WARDEN_FUZZ_RUNS      calls per endpoint at most (150 by default)
const SEED = Number(process.env.WARDEN_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const BUDGET_MS = Number(process.env.WARDEN_FUZZ_BUDGET_MS ?? 40_000);
const RUNS = Number(process.env.WARDEN_FUZZ_RUNS ?? 150);
const db = `warden_int_fuzz_${process.pid}_${Date.now()}`;

interface Answer {
  status: number;
  text: string;
}

interface Target {
  url: string;
  endpoint: string;
}

/** The endpoints a spawned app logged as registered. */
function endpointsOf(service: SpawnedService): string[] {
  const line = service
    .output()
    .split('\n')
    .find((l) => l.includes('ClearML endpoints registered'));
  if (!line) throw new Error(`no endpoint list in the log:\n${service.output()}`);
  return (JSON.parse(line) as { endpoints: string[] }).endpoints;
}

function send(url: string, call: HostileRequest, token?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${call.query}`, {
      method: call.method,
      headers: { ...call.headers, 'Content-Length': call.body.length, ...(token && { Authorization: `Bearer ${token}` }) },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject).end(call.body);
  });
}

/** Why an answer is a failure, or undefined when it is acceptable. */
function problemWith(answer: Answer): string | undefined {
  let meta: { error_stack?: unknown; error_data?: { code?: string } } | undefined;
  try {
    meta = (JSON.parse(answer.text) as { meta?: typeof meta }).meta;
  } catch {
    return `not a JSON envelope (${answer.status})`;
  }
  if (!meta) return `no meta in the envelope (${answer.status})`;
  if (meta.error_stack) return 'a stack in a production answer';
  if (answer.status === 503 && meta.error_data?.code === 'ERR_SERVICE_UNAVAILABLE') return undefined;
  return answer.status >= 500 ? `status ${answer.status}` : undefined;
}

describe('every API endpoint under hostile calls (apiserver and gateway in production mode)', () => {
  let redis: OwnRedis | undefined;
  const services: SpawnedService[] = [];
  const elastic = new Client({ node: 'http://127.0.0.1:9200', maxRetries: 0 });
  let gatewayUrl = '';
  let apiUrl = '';
  let token = '';
  let company = '';
  let login: () => Promise<string>;
  const targets: Target[] = [];
  const refs: Record<string, string> = {};
  const secretValues: string[] = [];

  beforeAll(async () => {
    redis = await startOwnRedis();
    const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
    secretValues.push(...Object.values(secrets));
    const env = { ...secrets, NODE_ENV: 'production', CLEARML_REDIS_SERVICE_PORT: String(redis.port) };
    const gateway = await spawnService('auth-gateway', {
      ...env,
      CLEARML__HOSTS__MONGO__AUTH__HOST: `mongodb://127.0.0.1:27017/${db}`,
      CLEARML__AUTH_GATEWAY__LISTEN_PORT: '0',
      CLEARML__AUTH_GATEWAY__METRICS__ENABLED: 'false',
    });
    services.push(gateway);
    gatewayUrl = gateway.url;
    await waitForStatus(`${gatewayUrl}/ready`, (s) => s === 200, 30_000);
    const api = await spawnService('apiserver', {
      ...env,
      CLEARML__HOSTS__MONGO__BACKEND__HOST: `mongodb://127.0.0.1:27017/${db}`,
      CLEARML__APISERVER__LISTEN_PORT: '0',
      CLEARML__APISERVER__METRICS__ENABLED: 'false',
      CLEARML__APISERVER__AUTH_GATEWAY__URL: gatewayUrl,
      CLEARML__APISERVER__AUTH__JWKS_URL: `${gatewayUrl}/.well-known/jwks.json`,
    });
    services.push(api);
    apiUrl = api.url;
    await waitForStatus(`${apiUrl}/ready`, (s) => s === 200, 30_000);
    // The gateway's endpoints also through the apiserver, which forwards them as the SDK calls them.
    targets.push(
      ...endpointsOf(api).map((endpoint) => ({ url: apiUrl, endpoint })),
      ...endpointsOf(gateway).flatMap((endpoint) => [
        { url: gatewayUrl, endpoint },
        { url: apiUrl, endpoint },
      ]),
    );
    // Deletes last, so the objects every other endpoint is called with still exist.
    targets.sort((a, b) => Number(/\.delete/.test(a.endpoint)) - Number(/\.delete/.test(b.endpoint)));

    // An admin of a fresh company, so users.* and admin-only auth.* calls get past the role check.
    const connection = await mongoose.createConnection(`mongodb://127.0.0.1:27017/${db}`).asPromise();
    const store = new IdentityStore({ connection, credentialPepper: secrets['CLEARML__SECURE__AUTH__TOKEN_SECRET'] });
    const tenant = await store.ensureCompany({ name: `fuzz-${db}` });
    const user = await store.createUser({ company: tenant.id, username: `fuzz-admin-${db}`, role: 'admin' });
    const creds = await store.createCredentials(user.id);
    // Another user of the company, with keys, whose ids the fuzz may name: disabling or revoking it
    // is fair game, doing that to the caller would end the run.
    const victim = await store.createUser({ company: tenant.id, username: `fuzz-victim-${db}`, role: 'user' });
    const victimCreds = await store.createCredentials(victim.id);
    secretValues.push(creds.secret_key, victimCreds.secret_key);
    await store.close();
    await connection.close();
    company = tenant.id;
    login = async () => {
      const res = await fetch(`${gatewayUrl}/auth.login`, {
        method: 'POST',
        headers: { Authorization: `Basic ${Buffer.from(`${creds.access_key}:${creds.secret_key}`).toString('base64')}` },
      });
      const answer = (await res.json()) as { data?: { token?: string } };
      if (!answer.data?.token) throw new Error(`the fuzz caller can no longer log in (${res.status}): a generated call locked it out`);
      token = answer.data.token;
      return token;
    };
    await login();

    // Real objects of the caller, so generated calls that name them reach past "not found".
    const make = async (endpoint: string, body: object) => {
      const res = await send(
        `${apiUrl}${endpoint}`,
        { method: 'POST', query: '', headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(body)), label: 'set-up' },
        token,
      );
      return (JSON.parse(res.text) as { data: { id: string } }).data.id;
    };
    const project = await make('/projects.create', { name: `fuzz ${db}` });
    const task = await make('/tasks.create', { name: 'fuzz task', type: 'training', project });
    const model = await make('/models.create', { name: 'fuzz model', uri: 'file:///m', task });
    Object.assign(refs, { project, task, model, parent: task, user: victim.id, company: tenant.id, access_key: victimCreds.access_key });
  }, 90_000);

  afterAll(async () => {
    for (const service of services.reverse()) expect(await service.stop()).toBe(0);
    await redis?.kill();
    if (company) await new EventStore(elastic).deleteCompanyEvents(company);
    await elastic.close();
    const connection = await mongoose.createConnection(`mongodb://127.0.0.1:27017/${db}`).asPromise();
    await connection.dropDatabase();
    await connection.close();
  });

  it(
    'drives every registered endpoint and finds no 5xx but a backend 503, and no stack',
    async () => {
      console.info(`api fuzz: seed ${SEED} (replay with WARDEN_FUZZ_SEED=${SEED}), ${targets.length} endpoints, ${BUDGET_MS} ms`);
      expect(targets.map((t) => t.endpoint)).toEqual(expect.arrayContaining(['tasks.create', 'events.add_batch', 'auth.login', 'users.get_current_user']));
      const perEndpointMs = Math.floor(BUDGET_MS / targets.length);
      const failures: string[] = [];
      let calls = 0;
      // Answers by endpoint, status and code: the totals by status are printed, all of it with WARDEN_FUZZ_DEBUG=1.
      const tally = new Map<string, number>();
      const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
      for (const [index, target] of targets.entries()) {
        // The time limit is kept here, not by fast-check: its interruption races a call in flight and
        // would drop a failure that arrives after the deadline. Calls past it pass without being sent.
        const deadline = Date.now() + perEndpointMs;
        const property = fc.asyncProperty(
          hostileRequests(refs),
          fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
          async (call, anonymous) => {
            if (Date.now() > deadline) return;
            calls++;
            let answer = await send(`${target.url}/${target.endpoint}`, call, anonymous ? undefined : token);
            // A fuzzed logout or revocation may end the session: log in again and go on.
            if (answer.status === 401 && !anonymous) answer = await send(`${target.url}/${target.endpoint}`, call, await login());
            count(`${target.endpoint} ${answer.status} ${/"code":"(\w+)"/.exec(answer.text)?.[1] ?? 'OK'}`);
            const problem = problemWith(answer);
            if (problem)
              throw new Error(
                `${problem}: ${answer.text.slice(0, 600)}\nsent ${call.method} ${call.query} ${JSON.stringify(call.headers)} (${call.label}): ${call.body.toString().slice(0, 400)}`,
              );
          },
        );
        const details = await fc.check(property, { seed: SEED + index, numRuns: RUNS, endOnFailure: true });
        if (details.failed)
          failures.push(
            `${target.url}/${target.endpoint} (seed ${SEED + index}, path ${details.counterexamplePath}): ${String(details.errorInstance).slice(0, 1500)}`,
          );
      }
      const byStatus = new Map<string, number>();
      for (const [key, n] of tally) byStatus.set(key.split(' ')[1], (byStatus.get(key.split(' ')[1]) ?? 0) + n);
      console.info(
        `api fuzz: ${calls} calls to ${targets.length} endpoints; answers by status: ${[...byStatus]
          .sort()
          .map(([status, n]) => `${status}: ${n}`)
          .join(', ')}`,
      );
      if (process.env.WARDEN_FUZZ_DEBUG)
        console.info(
          [...tally]
            .sort()
            .map(([key, n]) => `${key}: ${n}`)
            .join('\n'),
        );
      expect(failures).toEqual([]);
      // Every answer was tallied: none may be a 5xx but a backend's 503.
      expect([...tally.keys()].filter((key) => /^\S+ 5\d\d /.test(key) && !/ 503 ERR_SERVICE_UNAVAILABLE$/.test(key))).toEqual([]);
      expect(calls).toBeGreaterThanOrEqual(targets.length * 5);
      for (const service of services) for (const secret of [token, ...secretValues]) expect(service.output()).not.toContain(secret);
    },
    BUDGET_MS + 60_000,
  );
});
