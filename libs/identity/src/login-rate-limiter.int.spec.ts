import { randomBytes } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { isWardenError, type WardenError } from '@warden/errors';
import { LoginRateLimiter } from './login-rate-limiter';
import type { LoginLimits } from './login-limits';
import { openTestRedis } from './testing/test-backends';

const LIMITS: LoginLimits = {
  perAccount: { points: 4, durationSec: 60 },
  perClient: { points: 6, durationSec: 60 },
  backoff: { afterFailures: 2, baseSec: 30, maxSec: 120 },
};
const NO_BACKOFF: LoginLimits = { ...LIMITS, backoff: { afterFailures: 1000, baseSec: 1, maxSec: 1 } };

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
    await expect(limiter.assertAllowed('alice', '10.0.0.1')).resolves.toEqual({ failuresToClear: false });
    expect(monitor).toHaveBeenCalledTimes(1);
    expect(sendCommand).not.toHaveBeenCalled();
    monitor.mockRestore();
    sendCommand.mockRestore();
  });

  it('blocks an account after perAccount failures, with retry_after_sec', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: NO_BACKOFF });
    for (let i = 0; i < 3; i++) await limiter.recordFailure('alice', `10.0.0.${i}`);
    await expect(limiter.assertAllowed('alice', '10.0.0.9')).resolves.toEqual({ failuresToClear: true });
    await limiter.recordFailure('Alice', '10.0.0.3');
    const error = await rejection(limiter.assertAllowed('ALICE', '10.0.0.9'));
    expect(error?.code).toBe('ERR_RATE_LIMITED');
    expect(error?.data.retry_after_sec).toBeGreaterThan(50);
    expect(error?.data.retry_after_sec).toBeLessThanOrEqual(60);
    await expect(limiter.assertAllowed('bob', '10.0.0.9')).resolves.toEqual({ failuresToClear: false });
  });

  it('blocks a client address across accounts', async () => {
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits: NO_BACKOFF });
    for (let i = 0; i < 6; i++) await limiter.recordFailure(`user${i}`, '192.0.2.50');
    const error = await rejection(limiter.assertAllowed('fresh-user', '192.0.2.50'));
    expect(error?.code).toBe('ERR_RATE_LIMITED');
    expect(error?.data.retry_after_sec).toBeGreaterThan(0);
    await expect(limiter.assertAllowed('fresh-user', '192.0.2.51')).resolves.toEqual({ failuresToClear: false });
  });

  it('backs off exponentially from the configured failure and a success clears it', async () => {
    const limits = { ...LIMITS, perAccount: { points: 10, durationSec: 60 }, perClient: { points: 10, durationSec: 60 } };
    const limiter = new LoginRateLimiter({ redis, keyPrefix: prefix, limits });
    await limiter.recordFailure('carol', '10.0.0.1');
    await expect(limiter.assertAllowed('carol', '10.0.0.1')).resolves.toEqual({ failuresToClear: true });
    await limiter.recordFailure('carol', '10.0.0.1');
    expect((await rejection(limiter.assertAllowed('carol', '10.0.0.1')))?.data.retry_after_sec).toBe(30);
    await limiter.recordFailure('carol', '10.0.0.1');
    expect((await rejection(limiter.assertAllowed('carol', '10.0.0.2')))?.data.retry_after_sec).toBe(60);

    await limiter.recordSuccess('CAROL');
    await expect(limiter.assertAllowed('carol', '10.0.0.1')).resolves.toEqual({ failuresToClear: false });
    // The count starts again: one more failure is below the back-off threshold.
    await limiter.recordFailure('carol', '10.0.0.1');
    await expect(limiter.assertAllowed('carol', '10.0.0.1')).resolves.toEqual({ failuresToClear: true });
  });

  it('fails closed with ERR_SERVICE_UNAVAILABLE when Redis is unreachable', async () => {
    const down = await openTestRedis();
    await down.quit();
    const limiter = new LoginRateLimiter({ redis: down, keyPrefix: prefix, limits: LIMITS });
    expect((await rejection(limiter.assertAllowed('dave', '10.0.0.1')))?.code).toBe('ERR_SERVICE_UNAVAILABLE');
    expect((await rejection(limiter.recordFailure('dave', '10.0.0.1')))?.code).toBe('ERR_SERVICE_UNAVAILABLE');
    expect((await rejection(limiter.recordSuccess('dave')))?.code).toBe('ERR_SERVICE_UNAVAILABLE');
  });
});
