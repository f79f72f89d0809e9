import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { createClient, type RedisClientType } from 'redis';
import { RevocationList, type Revocation, type RevocationListOptions, type RevocationRecord, type TokenClaims } from '@warden/tokens';
import { FakeClock } from '@warden/tokens/testing';
import { setTimeout as delay } from 'node:timers/promises';
import { TEST_AUDIENCE, TEST_ISSUER, createTokenTestKit, testIdentity } from './testing';

// Integration tier: the Redis from `tools/services.sh up redis` on its default loopback port.
const REDIS_URL = 'redis://127.0.0.1:6379';
const WORKSPACE = resolve(__dirname, '../../..');

async function eventually(check: () => void | Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

const nowSec = () => Math.floor(Date.now() / 1000);

function claimsFor(overrides: { family?: string; accessKey?: string; user?: string; iat?: number; authTime?: number } = {}): TokenClaims {
  const iat = overrides.iat ?? nowSec();
  const identity = testIdentity({ user: overrides.user ?? `u-${randomUUID()}` });
  return {
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    sub: identity.user,
    jti: randomUUID(),
    session_id: randomUUID(),
    fam: overrides.family ?? randomUUID(),
    auth_time: overrides.authTime ?? iat,
    iat,
    nbf: iat,
    exp: iat + 3600,
    identity,
    api_version: '2.30',
    server_version: '1.16.0',
    feature_set: 'basic',
    auth: overrides.accessKey ? { method: 'credentials', access_key: overrides.accessKey } : { method: 'password' },
  };
}

/** A record kept in memory: stands in for the gateway's MongoDB record, which identity's specs cover. */
class ArrayRecord implements RevocationRecord {
  readonly saved: Revocation[] = [];
  async save(revocation: Revocation): Promise<void> {
    this.saved.push(revocation);
  }
  async live(now: number): Promise<Revocation[]> {
    return this.saved.filter((r) => r.until > now);
  }
}

describe('RevocationList (real Redis)', () => {
  // A prefix per run so parallel runs (and other worktrees) never see each other's revocations.
  const prefix = `warden:test:revocation:${randomUUID()}`;
  let redis: RedisClientType;
  let writer: RevocationList;
  let reader: RevocationList;

  beforeAll(async () => {
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
  });

  beforeEach(async () => {
    // What a gateway sets once Redis holds the whole record; without it no list counts as complete.
    await redis.set(`${prefix}:generation`, 'test-generation');
    writer = new RevocationList({ redis, channelPrefix: prefix });
    reader = new RevocationList({ redis, channelPrefix: prefix, resyncIntervalMs: 200 });
    await writer.start();
    await reader.start();
  });

  afterEach(async () => {
    await writer.stop();
    await reader.stop();
  });

  afterAll(async () => {
    for await (const key of redis.scanIterator({ MATCH: `${prefix}:*` })) await redis.del(key);
    await redis.quit();
  });

  it('shows a revoked family to another list, with a Redis TTL until the given time', async () => {
    const claims = claimsFor();
    const renewal = claimsFor({ family: claims.fam, iat: nowSec() + 5, authTime: claims.auth_time });
    expect(reader.isRevoked(claims)).toBe(false);
    await writer.revokeFamily(claims.fam!, nowSec() + 600);
    expect(writer.isRevoked(claims)).toBe(true);
    await eventually(() => expect(reader.isRevoked(claims)).toBe(true));
    expect(reader.isRevoked(renewal)).toBe(true);
    expect(reader.isRevoked(claimsFor())).toBe(false);
    const ttl = await redis.ttl(`${prefix}:family:${claims.fam}`);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it('tells a listener of each change another list published', async () => {
    const heard: { kind: string; id: string }[] = [];
    const listener = new RevocationList({ redis, channelPrefix: prefix, onChange: (change) => heard.push(change) });
    await listener.start();
    try {
      await writer.revokeCredential('AK-heard', nowSec() + 600);
      await writer.revokeUser('u-heard', nowSec() + 600);
      await eventually(() =>
        expect(heard).toEqual([
          { kind: 'credential', id: 'AK-heard' },
          { kind: 'user', id: 'u-heard' },
        ]),
      );
    } finally {
      await listener.stop();
    }
  });

  it('shows a revoked credential to another list, renewals of its logins included', async () => {
    const accessKey = `AK${randomUUID()}`;
    const claims = claimsFor({ accessKey, iat: nowSec() - 60 });
    await writer.revokeCredential(accessKey, nowSec() + 600);
    await eventually(() => expect(reader.isRevoked(claims)).toBe(true));
    expect(reader.isRevoked(claimsFor({ accessKey, iat: nowSec() + 5, authTime: claims.iat }))).toBe(true);
    expect(reader.isRevoked(claimsFor())).toBe(false);
  });

  it('refuses a revoked user’s earlier logins, renewed later or not, but not later logins', async () => {
    const user = `u-${randomUUID()}`;
    const earlier = claimsFor({ user, iat: nowSec() - 60 });
    await writer.revokeUser(user, nowSec() + 600);
    await eventually(() => expect(reader.isRevoked(earlier)).toBe(true));
    expect(reader.isRevoked(claimsFor({ user, iat: nowSec() + 5, authTime: earlier.iat }))).toBe(true);
    expect(reader.isRevoked(claimsFor({ user, iat: nowSec() + 2 }))).toBe(false);
  });

  it('picks up by resync a revocation written while it was not listening', async () => {
    await reader.stop();
    const missed = claimsFor();
    await writer.revokeFamily(missed.fam!, nowSec() + 600);
    reader = new RevocationList({ redis, channelPrefix: prefix, resyncIntervalMs: 200 });
    await reader.start();
    expect(reader.isRevoked(missed)).toBe(true);

    // Written straight to Redis with no message at all: only the periodic resync can see it.
    const silent = claimsFor();
    await redis.set(`${prefix}:family:${silent.fam}`, String(nowSec() + 600), { EX: 600 });
    expect(reader.isRevoked(silent)).toBe(false);
    await eventually(() => expect(reader.isRevoked(silent)).toBe(true), 2_000);
  });

  it('resyncs after its subscriber connection is cut and comes back', async () => {
    // Named connections let the test cut only this run's subscriber on a Redis others may share.
    const name = `warden-test-${randomUUID()}`;
    const named: RedisClientType = createClient({ url: REDIS_URL, name });
    await named.connect();
    const list = new RevocationList({ redis: named, channelPrefix: prefix, resyncIntervalMs: 600_000, onError: () => undefined });
    await list.start();
    try {
      const silent = claimsFor();
      await redis.set(`${prefix}:family:${silent.fam}`, String(nowSec() + 600), { EX: 600 });
      expect(list.isRevoked(silent)).toBe(false);

      const clients = (await redis.sendCommand<string>(['CLIENT', 'LIST'])).split('\n');
      const subscriberIds = clients.filter((line) => line.includes(` name=${name} `) && / sub=[1-9]/.test(line)).map((line) => /^id=(\d+)/.exec(line)![1]);
      expect(subscriberIds).toHaveLength(1);
      await redis.sendCommand(['CLIENT', 'KILL', 'ID', subscriberIds[0]]);
      await eventually(() => expect(list.isRevoked(silent)).toBe(true));
    } finally {
      await list.stop();
      await named.quit();
    }
  });

  it('refuses to answer, rather than answer "not revoked", before its first sync and after it stops', async () => {
    const list = new RevocationList({ redis, channelPrefix: prefix });
    const claims = claimsFor();
    expect(() => list.isRevoked(claims)).toThrow(expect.objectContaining({ code: 'ERR_SERVICE_UNAVAILABLE' }));
    await list.start();
    expect(list.isRevoked(claims)).toBe(false);
    await list.stop();
    expect(() => list.isRevoked(claims)).toThrow(expect.objectContaining({ code: 'ERR_SERVICE_UNAVAILABLE' }));
  });

  it('ignores an until that has already passed', async () => {
    const claims = claimsFor();
    await writer.revokeFamily(claims.fam!, nowSec() - 1);
    expect(writer.isRevoked(claims)).toBe(false);
    expect(await redis.exists(`${prefix}:family:${claims.fam}`)).toBe(0);
  });

  it('reaches a verifier in another process in under 2 s', async () => {
    // The child verifies on the real clock, so the token is issued on it too.
    const kit = await createTokenTestKit({ clock: new FakeClock(Date.now()) });
    const { token, claims } = kit.issue();
    const child = spawn(
      join(WORKSPACE, 'node_modules/.bin/tsx'),
      ['--tsconfig', 'libs/token-issuer/tsconfig.json', 'libs/token-issuer/src/fixtures/revocation-watcher.ts'],
      {
        cwd: WORKSPACE,
        env: {
          PATH: process.env.PATH ?? '',
          WATCH_REDIS_URL: REDIS_URL,
          WATCH_PREFIX: prefix,
          WATCH_JWKS: JSON.stringify(kit.keyRing.jwks()),
          WATCH_ISSUER: TEST_ISSUER,
          WATCH_AUDIENCE: TEST_AUDIENCE,
          WATCH_TOKEN: token,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const events: Array<{ event: string; code?: string; at: number }> = [];
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line) events.push({ ...JSON.parse(line), at: Date.now() });
    });
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      await eventually(() => expect(events.map((e) => e.event)).toContain('ready'), 20_000).catch((error) => {
        throw new Error(`watcher never became ready: ${stderr}\n${error}`);
      });
      const revokedAt = Date.now();
      await writer.revokeFamily(claims.fam!, claims.exp);
      await eventually(() => expect(events.map((e) => e.event)).toContain('refused'), 5_000);
      const refused = events.find((e) => e.event === 'refused')!;
      const elapsedMs = refused.at - revokedAt;
      console.log(`revocation reached the other process in ${elapsedMs} ms`);
      expect(refused.code).toBe('ERR_JWT_REVOKED');
      expect(elapsedMs).toBeLessThan(2_000);
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
  }, 30_000);
});

describe('RevocationList when Redis loses its contents (real Redis)', () => {
  const prefixes: string[] = [];
  const lists: RevocationList[] = [];
  let redis: RedisClientType;
  const unavailable = expect.objectContaining({ code: 'ERR_SERVICE_UNAVAILABLE' });

  const freshPrefix = () => {
    const prefix = `warden:test:revocation:${randomUUID()}`;
    prefixes.push(prefix);
    return prefix;
  };
  const listOn = async (prefix: string, options: Partial<RevocationListOptions> = {}) => {
    const list = new RevocationList({ redis, channelPrefix: prefix, pollIntervalMs: 100, incompletePollIntervalMs: 50, onError: () => undefined, ...options });
    lists.push(list);
    await list.start();
    return list;
  };
  // What a Redis restarted without persistence holds under the prefix: nothing, marker included;
  // one DEL, as a restart is one event to a publisher that may be republishing meanwhile.
  const empty = async (prefix: string) => {
    const keys: string[] = [];
    for await (const key of redis.scanIterator({ MATCH: `${prefix}:*` })) keys.push(key);
    if (keys.length > 0) await redis.del(keys);
  };

  beforeAll(async () => {
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
  });

  afterEach(async () => {
    for (const list of lists.splice(0)) await list.stop();
  });

  afterAll(async () => {
    for (const prefix of prefixes) await empty(prefix);
    await redis.quit();
  });

  it('refuses while it never had a complete list, and serves once the generation marker appears', async () => {
    const prefix = freshPrefix();
    const list = await listOn(prefix);
    expect(() => list.isRevoked(claimsFor())).toThrow(unavailable);
    await redis.set(`${prefix}:generation`, 'g1');
    await eventually(() => expect(list.isRevoked(claimsFor())).toBe(false), 2_000);
  });

  it('keeps its last complete list while Redis is empty, for maxStalenessMs only, then fails closed', async () => {
    const prefix = freshPrefix();
    await redis.set(`${prefix}:generation`, 'g1');
    const writer = await listOn(prefix);
    const reader = await listOn(prefix, { maxStalenessMs: 1000, resyncIntervalMs: 100 });
    const revoked = claimsFor();
    await writer.revokeFamily(revoked.fam!, nowSec() + 600);
    await eventually(() => expect(reader.isRevoked(revoked)).toBe(true));

    await empty(prefix);
    const emptiedAt = Date.now();
    // Several polls and full re-reads have seen the empty Redis by now: none may forget the revocation.
    await delay(500);
    expect(reader.isRevoked(revoked)).toBe(true);
    expect(reader.isRevoked(claimsFor())).toBe(false);
    await eventually(() => expect(() => reader.isRevoked(claimsFor())).toThrow(unavailable), 3_000);
    expect(Date.now() - emptiedAt).toBeGreaterThanOrEqual(1000);
    expect(() => reader.isRevoked(revoked)).toThrow(unavailable);
  });

  it('republishes the record when the marker is gone, so lists that never saw a revocation refuse its tokens', async () => {
    const prefix = freshPrefix();
    const record = new ArrayRecord();
    const gateway = await listOn(prefix, { record });
    const user = `u-${randomUUID()}`;
    const userToken = claimsFor({ user, iat: nowSec() - 10 });
    const familyToken = claimsFor();
    const keyToken = claimsFor({ accessKey: `AK${randomUUID()}`, iat: nowSec() - 10 });
    await gateway.revokeUser(user, nowSec() + 600);
    await gateway.revokeFamily(familyToken.fam!, nowSec() + 600);
    await gateway.revokeCredential(keyToken.auth.access_key!, nowSec() + 600);
    expect(record.saved.map((r) => r.kind)).toEqual(['user', 'family', 'credential']);

    await empty(prefix);
    await eventually(async () => expect(await redis.get(`${prefix}:generation`)).not.toBeNull(), 2_000);
    const late = await listOn(prefix);
    for (const claims of [userToken, familyToken, keyToken]) expect(late.isRevoked(claims)).toBe(true);
    expect(late.isRevoked(claimsFor())).toBe(false);
  });

  it('after a write that reached the record but not Redis, republishes under a new generation', async () => {
    const prefix = freshPrefix();
    const own: RedisClientType = redis.duplicate();
    await own.connect();
    try {
      const gateway = await listOn(prefix, { redis: own, record: new ArrayRecord() });
      const reader = await listOn(prefix);
      const before = await redis.get(`${prefix}:generation`);
      await own.disconnect();
      const claims = claimsFor();
      await expect(gateway.revokeFamily(claims.fam!, nowSec() + 600)).rejects.toThrow();
      expect(reader.isRevoked(claims)).toBe(false);

      await own.connect();
      await eventually(() => expect(reader.isRevoked(claims)).toBe(true), 2_000);
      expect(await redis.get(`${prefix}:generation`)).not.toBe(before);
    } finally {
      if (own.isOpen) await own.quit();
    }
  });
});
