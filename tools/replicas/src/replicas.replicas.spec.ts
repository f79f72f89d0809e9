// Issue 19 part 3: nothing in one process that another replica needs. Two replicas of each service
// share MongoDB, Redis, Elasticsearch and the fileserver store; each test drives one replica and
// checks the effect on the others, straight at each replica's port (the fronts are for the
// traffic that a load balancer would spread).
import { randomBytes } from 'node:crypto';
import { call, download, kidOf, login, remove, send, upload, basic, type Answer } from './client';
import { figures, say } from './figures';
import { storageFromEnv } from './storage';
import { startTopology, type Replica, type Topology } from './topology';

// The services fetch the JWKS again for an unknown kid at most this often (default 30 s): the bound
// on a rotated key's pickup, set low so the rotation test is short.
const JWKS_MIN_REFRESH_SEC = 2;
const LOGOUT_BOUND_MS = 2000;
// Below the gateway's 2 s credential cache: another replica's revocation must reach the cache, not wait it out.
const KEY_REVOCATION_BOUND_MS = 1000;
// Gateway 1's rotation period in the rotation test; long enough that it rotates once there, not on each key re-read.
const ROTATION_SEC = 5;
const FAILED_LOGINS_PER_ACCOUNT = 6;
const POLL_MS = 20;

let t: Topology;
let keyCreatedBy: number;
const tokensSeen: string[] = [];

const fresh = (label: string) => `replicas/${label}-${randomBytes(6).toString('hex')}.txt`;
const adminLogin = async (gateway: Replica) => {
  const token = await login(gateway.url, t.admin.username, t.admin.password);
  tokensSeen.push(token);
  return token;
};

/** What a replica makes of a token: accepted, or refused with 401 (anything else is a failure). */
async function verdict(replica: Replica, token: string): Promise<'accepted' | 'refused'> {
  let answer: Answer;
  if (replica.app === 'fileserver') answer = await download(replica.url, token, 'replicas/no-such-object');
  else answer = await call(replica.url, replica.app === 'apiserver' ? 'projects.get_all' : 'auth.get_credentials', token);
  const accepted = replica.app === 'fileserver' ? answer.status === 404 : answer.status === 200;
  if (accepted) return 'accepted';
  if (answer.status === 401) return 'refused';
  throw new Error(`${replica.name} answered ${answer.status} ${answer.code ?? answer.text.slice(0, 200)}`);
}

/** Milliseconds from `since` until the replica gives the wanted verdict, or throws after `limitMs`. */
async function timeUntil(replica: Replica, token: string, wanted: 'accepted' | 'refused', since: number, limitMs: number): Promise<number> {
  for (;;) {
    if ((await verdict(replica, token)) === wanted) return Date.now() - since;
    if (Date.now() - since > limitMs) throw new Error(`${replica.name}: still not ${wanted} after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

const verifiers = () => [...t.gateways, ...t.apiservers, ...t.fileservers];

beforeAll(async () => {
  const started = Date.now();
  t = await startTopology({
    storage: storageFromEnv(),
    env: {
      'auth-gateway': { CLEARML__AUTH_GATEWAY__LOGIN__LIMITS__PER_ACCOUNT_CLIENT__FAILURES: String(FAILED_LOGINS_PER_ACCOUNT) },
      apiserver: { CLEARML__APISERVER__AUTH__JWKS_MIN_REFRESH_SEC: String(JWKS_MIN_REFRESH_SEC) },
      fileserver: { CLEARML__FILESERVER__AUTH__JWKS_MIN_REFRESH_SEC: String(JWKS_MIN_REFRESH_SEC) },
    },
  });
  keyCreatedBy = Date.now();
  say(
    `topology up in ${Date.now() - started} ms (storage: ${t.storage.kind}): ${verifiers()
      .map((r) => `${r.name} ${r.url}`)
      .join(', ')}`,
  );
}, 120_000);

afterAll(async () => {
  await t?.stop();
  figures.print();
}, 60_000);

it('a login on gateway 1 works on gateway 2, apiserver 2 and fileserver 2', async () => {
  const token = await adminLogin(t.gateways[0]);
  expect(await verdict(t.gateways[1], token)).toBe('accepted');
  expect(await verdict(t.apiservers[1], token)).toBe('accepted');
  const path = fresh('login');
  expect((await upload(t.fileservers[1].url, token, path, 'stored through fileserver 2')).status).toBe(200);
  // A token is not bound to the replica it was used on first.
  expect(await verdict(t.apiservers[0], token)).toBe('accepted');
  expect(await verdict(t.fileservers[0], token)).toBe('accepted');
});

it(`a logout on one replica is refused by every replica within ${LOGOUT_BOUND_MS} ms`, async () => {
  const token = await adminLogin(t.gateways[0]);
  for (const replica of verifiers()) expect(await verdict(replica, token)).toBe('accepted');
  const since = Date.now();
  const logout = await call(t.gateways[1].url, 'auth.logout', token);
  expect(logout.status).toBe(200);
  const times = await Promise.all(verifiers().map((r) => timeUntil(r, token, 'refused', since, 5000)));
  const worst = Math.max(...times);
  figures.add('logout refused everywhere (slowest replica)', `${worst} ms`);
  say(
    `logout on gateway 2 refused after: ${verifiers()
      .map((r, i) => `${r.name} ${times[i]} ms`)
      .join(', ')}`,
  );
  expect(worst).toBeLessThan(LOGOUT_BOUND_MS);
});

it(`an API key revoked on gateway 1 no longer logs in on gateway 2 within ${KEY_REVOCATION_BOUND_MS} ms`, async () => {
  const token = await adminLogin(t.gateways[0]);
  const created = await call(t.gateways[0].url, 'auth.create_credentials', token, { label: 'replicas' });
  const { access_key, secret_key } = created.data?.credentials as { access_key: string; secret_key: string };
  // Gateway 2 has the key in its credential cache when it is revoked on gateway 1.
  tokensSeen.push(await login(t.gateways[1].url, access_key, secret_key));
  const since = Date.now();
  expect((await call(t.gateways[0].url, 'auth.revoke_credentials', token, { access_key })).status).toBe(200);
  let refusedAfter = -1;
  while (refusedAfter < 0 && Date.now() - since < 5000) {
    const answer = await send(t.gateways[1].url, '/auth.login', { headers: basic(access_key, secret_key) });
    if (answer.status === 200) tokensSeen.push(String(answer.data?.token));
    else if (answer.status === 401) refusedAfter = Date.now() - since;
    else throw new Error(`login with the revoked key answered ${answer.status} ${answer.code ?? ''}`);
  }
  figures.add('revoked API key refused for login on the other gateway', `${refusedAfter} ms`);
  expect(refusedAfter).toBeGreaterThanOrEqual(0);
  expect(refusedAfter).toBeLessThan(KEY_REVOCATION_BOUND_MS);
});

it('an upload through fileserver 1 is read through fileserver 2; a delete through one is seen by the other', async () => {
  const token = await adminLogin(t.gateways[1]);
  const [one, two] = t.fileservers.map((f) => f.url);
  const path = fresh('shared');
  const content = `content ${randomBytes(8).toString('hex')}`;
  expect((await upload(one, token, path, content)).status).toBe(200);
  const read = await download(two, token, path);
  expect({ status: read.status, text: read.text }).toEqual({ status: 200, text: content });
  // In the configured store, not in a replica's own folder.
  expect(await t.storage.holds(path)).toBe(true);

  // A newer version written through 2 is what 1 serves.
  expect((await upload(two, token, path, `${content} v2`)).text).toContain(path);
  expect((await download(one, token, path)).text).toBe(`${content} v2`);

  expect((await remove(two, token, path)).status).toBe(200);
  expect((await download(one, token, path)).status).toBe(404);
  expect((await download(two, token, path)).status).toBe(404);
  expect(await t.storage.holds(path)).toBe(false);
});

/** Failed logins for a new account name, each on the gateway `pick` chooses, until one is limited: that attempt's number. */
async function attemptsUntilLimited(pick: (attempt: number) => Replica): Promise<number> {
  const victim = `victim-${randomBytes(4).toString('hex')}`;
  for (let attempt = 1; attempt <= 3 * FAILED_LOGINS_PER_ACCOUNT; attempt++) {
    const answer = await send(pick(attempt).url, '/auth.login', { headers: basic(victim, `wrong-${randomBytes(9).toString('base64url')}`) });
    if (answer.status === 429) return attempt;
    if (answer.status !== 401) throw new Error(`failed login ${attempt} answered ${answer.status} ${answer.code ?? ''}`);
  }
  throw new Error(`no failed login was limited in ${3 * FAILED_LOGINS_PER_ACCOUNT} attempts`);
}

it('failed logins spread over both gateways meet the limit at the same total as on one gateway', async () => {
  const onOne = await attemptsUntilLimited(() => t.gateways[0]);
  const spread = await attemptsUntilLimited((attempt) => t.gateways[attempt % 2]);
  figures.add('failed logins until 429', `${onOne} on one gateway, ${spread} alternating over both (limit ${FAILED_LOGINS_PER_ACCOUNT})`);
  expect(onOne).toBeLessThanOrEqual(FAILED_LOGINS_PER_ACCOUNT + 1);
  expect(spread).toBe(onOne);
});

it('a signing-key rotation on gateway 1 is picked up by every verifier; tokens of the old key still hold', async () => {
  const before = await adminLogin(t.gateways[0]);
  // Every verifier has the current key set in memory before the rotation.
  for (const replica of verifiers()) expect(await verdict(replica, before)).toBe('accepted');
  // A restart with a rotation period the current key has outlived: gateway 1 rotates while it loads its keys.
  await new Promise((r) => setTimeout(r, Math.max(0, keyCreatedBy + ROTATION_SEC * 1000 - Date.now())));
  await t.gateways[0].stop();
  await t.gateways[0].start({ CLEARML__AUTH_GATEWAY__TOKENS__ROTATION_DAYS: String(ROTATION_SEC / 86_400) });
  const since = Date.now();
  const after = await adminLogin(t.gateways[0]);
  expect(kidOf(after)).not.toBe(kidOf(before));
  const times = await Promise.all(verifiers().map((r) => timeUntil(r, after, 'accepted', since, JWKS_MIN_REFRESH_SEC * 1000 + 3000)));
  const worst = Math.max(...times);
  figures.add('rotated key accepted everywhere (slowest verifier)', `${worst} ms (services' JWKS refetch floor set to ${JWKS_MIN_REFRESH_SEC} s)`);
  say(
    `token of the new key accepted after: ${verifiers()
      .map((r, i) => `${r.name} ${times[i]} ms`)
      .join(', ')}`,
  );
  for (const replica of verifiers()) expect(await verdict(replica, before)).toBe('accepted');
  // Gateway 2 signs with the new key too once it has seen it.
  expect(kidOf(await adminLogin(t.gateways[1]))).toBe(kidOf(after));
});

it('replicas killed with SIGKILL mid-traffic: no request fails after the retry on the other replica', async () => {
  const { gateway, api, files } = t.fronts;
  const token = await login(gateway.url, t.admin.username, t.admin.password);
  tokensSeen.push(token);
  const path = fresh('traffic');
  expect((await upload(files.url, token, path, 'traffic')).status).toBe(200);
  const retriesBefore = gateway.retries() + api.retries() + files.retries();
  const failures: string[] = [];
  let requests = 0;
  let stop = false;
  const check = async (what: string, request: () => Promise<Answer>, ok: (a: Answer) => boolean) => {
    requests++;
    try {
      const answer = await request();
      if (!ok(answer)) failures.push(`${what}: ${answer.status} ${answer.code ?? ''}`);
    } catch (error) {
      failures.push(`${what}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`);
    }
  };
  const loop = async (what: string, request: () => Promise<Answer>, ok: (a: Answer) => boolean) => {
    while (!stop) await check(what, request, ok);
  };
  const traffic = [
    loop(
      'apiserver projects.get_all',
      () => call(api.url, 'projects.get_all', token),
      (a) => a.status === 200,
    ),
    loop(
      'apiserver projects.get_all',
      () => call(api.url, 'projects.get_all', token),
      (a) => a.status === 200,
    ),
    loop(
      'fileserver download',
      () => download(files.url, token, path),
      (a) => a.status === 200 && a.text === 'traffic',
    ),
    loop(
      'fileserver upload',
      () => upload(files.url, token, fresh('traffic'), 'more traffic'),
      (a) => a.status === 200,
    ),
    loop(
      'gateway auth.get_credentials',
      () => call(gateway.url, 'auth.get_credentials', token),
      (a) => a.status === 200,
    ),
  ];
  await new Promise((r) => setTimeout(r, 1000));
  const victims = [t.apiservers[1], t.fileservers[0], t.gateways[1]];
  await Promise.all(victims.map((v) => v.kill()));
  say(`SIGKILL sent to ${victims.map((v) => v.name).join(', ')} after ${requests} requests`);
  await new Promise((r) => setTimeout(r, 2000));
  stop = true;
  await Promise.all(traffic);
  const retries = gateway.retries() + api.retries() + files.retries() - retriesBefore;
  figures.add('kill test', `${requests} requests, ${failures.length} failed, ${retries} retried on the other replica`);
  expect(failures).toEqual([]);
  // The kill did hit traffic: requests to the dead replicas were sent again.
  expect(retries).toBeGreaterThan(0);
});

it("no replica's log holds a secret, password or token", () => {
  const secrets = Object.entries(t.secrets).filter(([name]) => !/_(USER|ACCESS)_KEY$/.test(name));
  const needles = [
    ...secrets.map(([name, value]) => [name, value]),
    ['the admin password', t.admin.password],
    ...tokensSeen.map((token) => ['a token', token]),
  ];
  expect(tokensSeen.length).toBeGreaterThan(0);
  const found = t.all().flatMap((r) => needles.filter(([, value]) => r.output().includes(value)).map(([name]) => `${r.name}: ${name}`));
  expect(found).toEqual([]);
});
