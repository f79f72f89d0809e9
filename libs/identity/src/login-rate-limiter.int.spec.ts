import { randomBytes } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { isWardenError, type WardenError } from '@warden/errors';
import { LoginRateLimiter, clientSubject } from './login-rate-limiter';
import type { LoginLimits } from './login-limits';
import { openTestRedis } from './testing/test-backends';

const LIMITS: LoginLimits = {
  perClient: { failures: 6, windowSec: 60 },
  perAccountClient: { failures: 4, windowSec: 60 },
  backoff: { afterFailures: 2, baseSec: 30, maxSec: 120 },
  perAccount: { slowAfterFailures: 5, windowSec: 60, delayMs: 700 },
};
const NO_BACKOFF: LoginLimits = { ...LIMITS, backoff: { afterFailures: 1000, baseSec: 1, maxSec: 1 } };
const USER = { isKey: false };
const KEY = { isKey: true };

async function rejection(promise: Promise<unknown>): Promise<WardenError | undefined> {
  try {
    await promise;
  } catch (error) {
    if (isWardenError(error)) return error;
    throw error;
  }
  return undefined;
}

/** One wrong login as AuthService runs it: admitted, then failed. */
async function fail(limiter: LoginRateLimiter, account: string, ip: string, options = USER): Promise<void> {
  await limiter.admit(account, ip, options);
  await limiter.recordFailure(account, ip, options);
}

describe('LoginRateLimiter (real Redis)', () => {
  let redis: RedisClientType;
  let prefix: string;

  beforeAll(async () => {
    redis = await openTestRedis();
  });
  beforeEach(() => {
    prefix = `warden:test:login:${randomBytes(6).toString('hex')}`;
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(keys);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('admits an account with no failures in one round trip, and a success gives the reservation back', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: LIMITS });
    const multi = jest.spyOn(redis, 'multi');
    const sendCommand = jest.spyOn(redis, 'sendCommand');
    const admission = await limiter.admit('alice', '10.0.0.1', USER);
    expect(admission).toEqual({ delayMs: 0, release: true });
    expect(multi).toHaveBeenCalledTimes(1);
    expect(sendCommand).not.toHaveBeenCalled();
    multi.mockRestore();
    sendCommand.mockRestore();
    await limiter.recordSuccess('alice', '10.0.0.1', USER, admission);
    // Many successful logins from one address (an office behind NAT, a CI fleet) are never limited.
    for (let i = 0; i < 20; i++) {
      const admitted = await limiter.admit(`user${i % 3}`, '10.0.0.1', USER);
      await limiter.recordSuccess(`user${i % 3}`, '10.0.0.1', USER, admitted);
    }
    await expect(limiter.admit('alice', '10.0.0.1', USER)).resolves.toMatchObject({ delayMs: 0 });
  });

  it('blocks an (account, client) pair after its failures, with retry_after_sec, and no other client', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: NO_BACKOFF });
    for (let i = 0; i < 3; i++) await fail(limiter, 'alice', '10.0.0.1');
    await fail(limiter, 'Alice', '10.0.0.1');
    const error = await rejection(limiter.admit('ALICE', '10.0.0.1', USER));
    expect(error?.code).toBe('ERR_RATE_LIMITED');
    expect(error?.data.retry_after_sec).toBeGreaterThan(50);
    expect(error?.data.retry_after_sec).toBeLessThanOrEqual(60);
    // The owner, elsewhere, is not locked out by the attacker's failures.
    await expect(limiter.admit('alice', '10.0.0.2', USER)).resolves.toMatchObject({ delayMs: 0 });
    await expect(limiter.admit('bob', '10.0.0.1', USER)).resolves.toMatchObject({ delayMs: 0 });
  });

  it('blocks a client address across accounts (a spray over many usernames)', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: NO_BACKOFF });
    for (let i = 0; i < 6; i++) await fail(limiter, `user${i}`, '192.0.2.50');
    const error = await rejection(limiter.admit('fresh-user', '192.0.2.50', USER));
    expect(error?.code).toBe('ERR_RATE_LIMITED');
    expect(error?.data.retry_after_sec).toBeGreaterThan(0);
    expect((await rejection(limiter.admit(randomBytes(15).toString('hex'), '::ffff:192.0.2.50', KEY)))?.code).toBe('ERR_RATE_LIMITED');
    await expect(limiter.admit('fresh-user', '192.0.2.51', USER)).resolves.toMatchObject({ delayMs: 0 });
  });

  it('counts an IPv6 client by its /64, so rotating addresses within it does not help', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: NO_BACKOFF });
    for (let i = 0; i < 6; i++) await fail(limiter, `user${i}`, `2001:db8:1:2::${(i + 1).toString(16)}`);
    expect((await rejection(limiter.admit('fresh-user', '2001:db8:1:2:ffff:ffff:ffff:fffe', USER)))?.code).toBe('ERR_RATE_LIMITED');
    await expect(limiter.admit('fresh-user', '2001:db8:1:3::1', USER)).resolves.toMatchObject({ delayMs: 0 });
  });

  it('admits no more of a parallel burst than the limits allow, and gives back what it refused', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: NO_BACKOFF });
    const pair = await Promise.allSettled(Array.from({ length: 40 }, () => limiter.admit('burst', '192.0.2.60', USER)));
    expect(pair.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    const spread = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => limiter.admit(`burst${i}`, '192.0.2.61', USER)));
    expect(spread.filter((r) => r.status === 'fulfilled')).toHaveLength(6);
    // The refused ones were given back: only the admitted attempts stay counted.
    expect(await redis.get(`${prefix}:client:192.0.2.61`)).toBe('6');
  });

  it('reserves nothing for an access key: a fleet logging in with one key at once is never refused, its failures still count', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: NO_BACKOFF });
    const key = randomBytes(15).toString('hex').toUpperCase();
    const fleet = await Promise.allSettled(Array.from({ length: 40 }, () => limiter.admit(key, '192.0.2.70', KEY)));
    expect(fleet.filter((r) => r.status === 'fulfilled')).toHaveLength(40);
    for (let i = 0; i < 4; i++) await fail(limiter, key, '192.0.2.70', KEY);
    expect((await rejection(limiter.admit(key, '192.0.2.70', KEY)))?.code).toBe('ERR_RATE_LIMITED');
    await expect(limiter.admit(key, '192.0.2.71', KEY)).resolves.toMatchObject({ delayMs: 0 });
  });

  it('lets an access key with no failures in a row succeed without a second round trip, and clears its failures when it has some', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: NO_BACKOFF });
    const key = randomBytes(15).toString('hex').toUpperCase();
    const clean = await limiter.admit(key, '192.0.2.80', KEY);
    expect(clean).toEqual({ delayMs: 0, release: false });
    const calls = [jest.spyOn(redis, 'multi'), jest.spyOn(redis, 'sendCommand'), jest.spyOn(redis, 'eval')];
    await limiter.recordSuccess(key, '192.0.2.80', KEY, clean);
    for (const call of calls) expect(call).not.toHaveBeenCalled();
    calls.forEach((call) => call.mockRestore());

    await fail(limiter, key, '192.0.2.80', KEY);
    const afterFailure = await limiter.admit(key, '192.0.2.80', KEY);
    expect(afterFailure).toEqual({ delayMs: 0, release: true });
    await limiter.recordSuccess(key, '192.0.2.80', KEY, afterFailure);
    expect(await limiter.admit(key, '192.0.2.80', KEY)).toEqual({ delayMs: 0, release: false });
  });

  it('backs off exponentially per (account, client); a success there clears it', async () => {
    const limits = { ...LIMITS, perAccountClient: { failures: 10, windowSec: 60 }, perClient: { failures: 10, windowSec: 60 } };
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits });
    await fail(limiter, 'carol', '10.0.0.1');
    await fail(limiter, 'carol', '10.0.0.1');
    expect((await rejection(limiter.admit('carol', '10.0.0.1', USER)))?.data.retry_after_sec).toBe(30);
    await limiter.recordFailure('carol', '10.0.0.1', USER);
    expect((await rejection(limiter.admit('CAROL', '10.0.0.1', USER)))?.data.retry_after_sec).toBe(60);
    await expect(limiter.admit('carol', '10.0.0.2', USER)).resolves.toMatchObject({ delayMs: 0 });

    await limiter.recordSuccess('CAROL', '10.0.0.1', USER, { delayMs: 0, release: true });
    await expect(limiter.admit('carol', '10.0.0.1', USER)).resolves.toMatchObject({ delayMs: 0 });
    // The count starts again: one more failure is below the back-off threshold.
    await limiter.recordFailure('carol', '10.0.0.1', USER);
    await expect(limiter.admit('carol', '10.0.0.1', USER)).resolves.toMatchObject({ delayMs: 0 });
  });

  it('slows an account past its ceiling from every client instead of locking it, and never an access key', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: NO_BACKOFF });
    const key = randomBytes(15).toString('hex').toUpperCase();
    for (let i = 0; i < 5; i++) {
      await fail(limiter, 'dave', `198.51.100.${i}`);
      await fail(limiter, key, `198.51.100.${i}`, KEY);
    }
    await expect(limiter.admit('dave', '203.0.113.7', USER)).resolves.toMatchObject({ delayMs: 700 });
    await expect(limiter.admit('erin', '203.0.113.7', USER)).resolves.toMatchObject({ delayMs: 0 });
    await expect(limiter.admit(key, '203.0.113.7', KEY)).resolves.toMatchObject({ delayMs: 0 });
  });

  it('keys any login id, however long or odd, by a fixed-size hash, and every key expires', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: LIMITS });
    for (let i = 0; i < 2; i++) await fail(limiter, `${'x'.repeat(5000)}:\n*`, '2001:db8::1');
    const keys = await redis.keys(`${prefix}:*`);
    expect(keys.map((key) => key.split(':')[prefix.split(':').length]).sort()).toEqual(['account', 'client', 'consecutive', 'lockout', 'pair']);
    for (const key of keys) {
      expect(key.length).toBeLessThan(prefix.length + 120);
      expect(await redis.pTTL(key)).toBeGreaterThan(0);
    }
  });

  it('gives nothing back into a window that ended meanwhile (no key is left without expiry)', async () => {
    const limits = { ...LIMITS, perClient: { failures: 6, windowSec: 1 }, perAccountClient: { failures: 4, windowSec: 1 } };
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits });
    const admission = await limiter.admit('frank', '10.0.0.1', USER);
    await new Promise((r) => setTimeout(r, 1100));
    await limiter.recordSuccess('frank', '10.0.0.1', USER, admission);
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });

  it('fails closed with ERR_SERVICE_UNAVAILABLE when Redis is unreachable', async () => {
    const down = await openTestRedis();
    await down.quit();
    const limiter = new LoginRateLimiter({ redis: down, keyPrefix: prefix, limits: LIMITS });
    expect((await rejection(limiter.admit('dave', '10.0.0.1', USER)))?.code).toBe('ERR_SERVICE_UNAVAILABLE');
    expect((await rejection(limiter.recordFailure('dave', '10.0.0.1', USER)))?.code).toBe('ERR_SERVICE_UNAVAILABLE');
    expect((await rejection(limiter.recordSuccess('dave', '10.0.0.1', USER, { delayMs: 0, release: true })))?.code).toBe('ERR_SERVICE_UNAVAILABLE');
  });
});

describe('clientSubject', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::9', '2001:db8:1:2::/64'],
    ['2001:db8::', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['', 'unknown'],
  ])('counts %s as %s', (ip, subject) => {
    expect(clientSubject(ip)).toBe(subject);
  });
});
