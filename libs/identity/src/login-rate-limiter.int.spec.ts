import { randomBytes } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { isWardenError, type WardenError } from '@warden/errors';
import { LoginRateLimiter } from './login-rate-limiter';
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

  it('allows an account with no failures, in one round trip', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: LIMITS });
    const monitor = jest.spyOn(redis, 'multi');
    const sendCommand = jest.spyOn(redis, 'sendCommand');
    await expect(limiter.assertAllowed('alice', '10.0.0.1', USER)).resolves.toEqual({ failuresToClear: false, delayMs: 0 });
    expect(monitor).toHaveBeenCalledTimes(1);
    expect(sendCommand).not.toHaveBeenCalled();
    monitor.mockRestore();
    sendCommand.mockRestore();
  });

  it('blocks an (account, client) pair after its failures, with retry_after_sec, and no other client', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: NO_BACKOFF });
    for (let i = 0; i < 3; i++) await limiter.recordFailure('alice', '10.0.0.1');
    await expect(limiter.assertAllowed('alice', '10.0.0.1', USER)).resolves.toMatchObject({ delayMs: 0 });
    await limiter.recordFailure('Alice', '10.0.0.1');
    const error = await rejection(limiter.assertAllowed('ALICE', '10.0.0.1', USER));
    expect(error?.code).toBe('ERR_RATE_LIMITED');
    expect(error?.data.retry_after_sec).toBeGreaterThan(50);
    expect(error?.data.retry_after_sec).toBeLessThanOrEqual(60);
    // The owner, elsewhere, is not locked out by the attacker's failures.
    await expect(limiter.assertAllowed('alice', '10.0.0.2', USER)).resolves.toEqual({ failuresToClear: false, delayMs: 0 });
    await expect(limiter.assertAllowed('bob', '10.0.0.1', USER)).resolves.toEqual({ failuresToClear: false, delayMs: 0 });
  });

  it('blocks a client address across accounts (a spray over many usernames)', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: NO_BACKOFF });
    for (let i = 0; i < 6; i++) await limiter.recordFailure(`user${i}`, '192.0.2.50');
    const error = await rejection(limiter.assertAllowed('fresh-user', '192.0.2.50', USER));
    expect(error?.code).toBe('ERR_RATE_LIMITED');
    expect(error?.data.retry_after_sec).toBeGreaterThan(0);
    expect((await rejection(limiter.assertAllowed(randomBytes(15).toString('hex'), '192.0.2.50', KEY)))?.code).toBe('ERR_RATE_LIMITED');
    await expect(limiter.assertAllowed('fresh-user', '192.0.2.51', USER)).resolves.toEqual({ failuresToClear: false, delayMs: 0 });
  });

  it('backs off exponentially per (account, client); a success there clears it', async () => {
    const limits = { ...LIMITS, perAccountClient: { failures: 10, windowSec: 60 }, perClient: { failures: 10, windowSec: 60 } };
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits });
    await limiter.recordFailure('carol', '10.0.0.1');
    await expect(limiter.assertAllowed('carol', '10.0.0.1', USER)).resolves.toEqual({ failuresToClear: true, delayMs: 0 });
    await limiter.recordFailure('carol', '10.0.0.1');
    expect((await rejection(limiter.assertAllowed('carol', '10.0.0.1', USER)))?.data.retry_after_sec).toBe(30);
    await limiter.recordFailure('carol', '10.0.0.1');
    expect((await rejection(limiter.assertAllowed('CAROL', '10.0.0.1', USER)))?.data.retry_after_sec).toBe(60);
    await expect(limiter.assertAllowed('carol', '10.0.0.2', USER)).resolves.toEqual({ failuresToClear: false, delayMs: 0 });

    await limiter.recordSuccess('CAROL', '10.0.0.1');
    await expect(limiter.assertAllowed('carol', '10.0.0.1', USER)).resolves.toEqual({ failuresToClear: false, delayMs: 0 });
    // The count starts again: one more failure is below the back-off threshold.
    await limiter.recordFailure('carol', '10.0.0.1');
    await expect(limiter.assertAllowed('carol', '10.0.0.1', USER)).resolves.toEqual({ failuresToClear: true, delayMs: 0 });
  });

  it('slows an account past its ceiling from every client instead of locking it, and never an access key', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: NO_BACKOFF });
    const key = randomBytes(15).toString('hex').toUpperCase();
    for (let i = 0; i < 5; i++) {
      await limiter.recordFailure('dave', `198.51.100.${i}`);
      await limiter.recordFailure(key, `198.51.100.${i}`);
    }
    await expect(limiter.assertAllowed('dave', '203.0.113.7', USER)).resolves.toEqual({ failuresToClear: false, delayMs: 700 });
    await expect(limiter.assertAllowed('erin', '203.0.113.7', USER)).resolves.toEqual({ failuresToClear: false, delayMs: 0 });
    await expect(limiter.assertAllowed(key, '203.0.113.7', KEY)).resolves.toEqual({ failuresToClear: false, delayMs: 0 });
  });

  it('keys any login id, however long or odd, by a fixed-size hash', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: NO_BACKOFF });
    await limiter.recordFailure(`${'x'.repeat(5000)}:\n*`, '2001:db8::1');
    const keys = await redis.keys(`${prefix}:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.length).toBeLessThan(prefix.length + 120);
  });

  it('fails closed with ERR_SERVICE_UNAVAILABLE when Redis is unreachable', async () => {
    const down = await openTestRedis();
    await down.quit();
    const limiter = new LoginRateLimiter({ redis: down, keyPrefix: prefix, limits: LIMITS });
    expect((await rejection(limiter.assertAllowed('dave', '10.0.0.1', USER)))?.code).toBe('ERR_SERVICE_UNAVAILABLE');
    expect((await rejection(limiter.recordFailure('dave', '10.0.0.1')))?.code).toBe('ERR_SERVICE_UNAVAILABLE');
    expect((await rejection(limiter.recordSuccess('dave', '10.0.0.1')))?.code).toBe('ERR_SERVICE_UNAVAILABLE');
  });
});
