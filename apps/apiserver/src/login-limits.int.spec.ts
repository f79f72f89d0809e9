import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { spawnApiserverFor, spawnTestGateway, type TestGateway, type TestTenant } from '@warden/auth-service/testing';
import { FORWARDED_CLIENT_HEADER } from '@warden/http';
import type { SpawnedService } from '@warden/http/testing';

// Integration tier: the built gateway and apiserver as production processes. Every test client
// connects from its own loopback address (127.0.0.0/8 is all local), so each is a distinct client
// to the services without any header saying so.
const db = `warden_int_login_${process.pid}_${Date.now()}`;
const PER_CLIENT = 8;
const SLOW_AFTER = 12;
const DELAY_MS = 800;
const LIMITS_ENV = {
  CLEARML__AUTH_GATEWAY__LOGIN__LIMITS__PER_CLIENT__FAILURES: String(PER_CLIENT),
  CLEARML__AUTH_GATEWAY__LOGIN__LIMITS__PER_ACCOUNT__SLOW_AFTER_FAILURES: String(SLOW_AFTER),
  CLEARML__AUTH_GATEWAY__LOGIN__LIMITS__PER_ACCOUNT__DELAY_MS: String(DELAY_MS),
};
const PASSWORD = 'a long and private passphrase 31';

interface Answer {
  status: number;
  code?: string;
  retryAfter?: number;
  token?: string;
  ms: number;
}

let nextAddress = 10;
/** A loopback address no other test of this file uses. */
const freshClient = () => `127.0.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 2}`;
const randomIp = () => `198.51.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;
/** Well formed, current and signed with a key the attacker made up. */
const forgedForwardedClient = () => `v1;${randomIp()};${Date.now()};${randomBytes(32).toString('base64url')}`;

function login(baseUrl: string, id: string, secret: string, from: string, headers: Record<string, string> = {}): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${baseUrl}/auth.login`, {
      method: 'POST',
      localAddress: from,
      agent: false,
      headers: {
        Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
        'Content-Type': 'application/json',
        'Content-Length': 2,
        ...headers,
      },
    });
    req.on('response', (res) => {
      let text = '';
      res
        .on('data', (c) => (text += c))
        .on('end', () => {
          const body = JSON.parse(text) as { meta: { error_data?: { code?: string } }; data: { token?: string } };
          const retryAfter = res.headers['retry-after'] === undefined ? undefined : Number(res.headers['retry-after']);
          resolve({ status: res.statusCode ?? 0, code: body.meta.error_data?.code, retryAfter, token: body.data.token, ms: Date.now() - started });
        });
    });
    req.on('error', reject).end('{}');
  });
}

// Every failed password costs a deliberately slow hash.
jest.setTimeout(30_000);

describe('login limits that cannot be dodged or turned against users (real gateway and apiserver)', () => {
  let gateway: TestGateway;
  let api: SpawnedService;
  let alice: TestTenant;

  beforeAll(async () => {
    gateway = await spawnTestGateway(db, LIMITS_ENV);
    api = await spawnApiserverFor(gateway, db);
    alice = await gateway.createTenant('alice', 'user', PASSWORD);
    gateway.issued.push(alice.secretKey);
  }, 90_000);

  afterAll(async () => {
    expect(await api.stop()).toBe(0);
    expect(await gateway.stop()).toBe(0);
    const output = api.output() + gateway.service.output();
    for (const value of [...Object.values(gateway.secrets), ...gateway.issued, PASSWORD]) expect(output).not.toContain(value);
  });

  /** Sprays wrong passwords over fresh usernames from one client, each attempt claiming a new address. */
  async function spray(baseUrl: string, headers: () => Record<string, string>): Promise<Answer[]> {
    const from = freshClient();
    const answers: Answer[] = [];
    for (let i = 0; i < PER_CLIENT + 3; i++) answers.push(await login(baseUrl, `sprayed-${randomBytes(4).toString('hex')}`, 'Winter2026!', from, headers()));
    return answers;
  }

  const expectLimitedAfter = (answers: Answer[], failures: number) => {
    expect(answers.slice(0, failures).map((a) => a.status)).toEqual(Array(failures).fill(401));
    for (const limited of answers.slice(failures)) {
      expect([limited.status, limited.code]).toEqual([429, 'ERR_RATE_LIMITED']);
      expect(limited.retryAfter).toBeGreaterThan(0);
    }
  };

  it.each([
    ['a forged X-Forwarded-For', () => ({ 'X-Forwarded-For': randomIp() })],
    ['a forged signed-client header', () => ({ [FORWARDED_CLIENT_HEADER]: forgedForwardedClient() })],
    [
      'both, and Forwarded',
      () => ({ 'X-Forwarded-For': `${randomIp()}, ${randomIp()}`, Forwarded: `for=${randomIp()}`, [FORWARDED_CLIENT_HEADER]: forgedForwardedClient() }),
    ],
  ])('limits a spray sent straight to the gateway with %s per attempt', async (_label, headers) => {
    expectLimitedAfter(await spray(gateway.service.url, headers), PER_CLIENT);
  });

  it.each([
    ['a forged X-Forwarded-For', () => ({ 'X-Forwarded-For': randomIp() })],
    ['a forged signed-client header', () => ({ [FORWARDED_CLIENT_HEADER]: forgedForwardedClient() })],
  ])('limits a spray sent through the apiserver with %s per attempt', async (_label, headers) => {
    expectLimitedAfter(await spray(api.url, headers), PER_CLIENT);
  });

  it('keeps the limits of callers behind the apiserver apart: a limited client does not limit the next', async () => {
    expectLimitedAfter(await spray(api.url, () => ({})), PER_CLIENT);
    const other = freshClient();
    expect((await login(api.url, `sprayed-${randomBytes(4).toString('hex')}`, 'Winter2026!', other)).status).toBe(401);
    const ok = await login(api.url, alice.accessKey, alice.secretKey, other);
    expect(ok.status).toBe(200);
    gateway.issued.push(ok.token!);
  });

  it('admits no more of a parallel burst on one account than the per-(account, client) limit', async () => {
    const from = freshClient();
    const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => login(gateway.service.url, `nobody-${db}`, `burst-${i}`, from)));
    expect(burst.filter((a) => a.status === 401).length).toBeLessThanOrEqual(10);
    expect(burst.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(20);
  });

  it.each([
    ['a username, at the gateway', 'gateway', () => `alice-${db}`, () => PASSWORD],
    ['an access key, at the gateway', 'gateway', () => alice.accessKey, () => alice.secretKey],
    ['an access key, through the apiserver', 'api', () => alice.accessKey, () => alice.secretKey],
  ])('does not let an attacker lock out %s: 100 failures elsewhere, the owner logs in at once', async (_label, where, id, secret) => {
    const url = where === 'api' ? api.url : gateway.service.url;
    const attacker = freshClient();
    const answers: Answer[] = [];
    for (let i = 0; i < 100; i++) answers.push(await login(url, id(), `wrong-${i}`, attacker));
    const last = answers[answers.length - 1];
    expect([last.status, last.code]).toEqual([429, 'ERR_RATE_LIMITED']);
    expect(last.retryAfter).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status === 401).length).toBeLessThanOrEqual(PER_CLIENT);

    const owner = await login(url, id(), secret(), freshClient());
    expect(owner.status).toBe(200);
    expect(owner.ms).toBeLessThan(DELAY_MS);
    gateway.issued.push(owner.token!);
  });

  it('slows, but does not lock, an account failed past its ceiling from many clients; an access key is not slowed', async () => {
    const bob = await gateway.createTenant('bob', 'user', PASSWORD);
    gateway.issued.push(bob.secretKey);
    // Four failures from each address stay under the per-(account, client) back-off and the per-client limit.
    for (let c = 0; c < Math.ceil(SLOW_AFTER / 4); c++) {
      const attacker = freshClient();
      for (let i = 0; i < 4; i++) {
        expect((await login(gateway.service.url, `bob-${db}`, `wrong-${c}-${i}`, attacker)).status).toBe(401);
        expect((await login(gateway.service.url, bob.accessKey, `wrong-${c}-${i}`, attacker)).status).toBe(401);
      }
    }
    const wrong = await login(gateway.service.url, `bob-${db}`, 'still wrong', freshClient());
    expect(wrong.status).toBe(401);
    expect(wrong.ms).toBeGreaterThanOrEqual(DELAY_MS);
    const owner = await login(gateway.service.url, `bob-${db}`, PASSWORD, freshClient());
    expect(owner.status).toBe(200);
    expect(owner.ms).toBeGreaterThanOrEqual(DELAY_MS);
    const key = await login(gateway.service.url, bob.accessKey, bob.secretKey, freshClient());
    expect(key.status).toBe(200);
    expect(key.ms).toBeLessThan(DELAY_MS);
    gateway.issued.push(owner.token!, key.token!);
  });
});
