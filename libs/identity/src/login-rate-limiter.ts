import type { RedisClientType } from 'redis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { WardenError } from '@warden/errors';
import { DEFAULT_LOGIN_LIMITS, backoffDelaySec, type LoginLimits } from './login-limits';

export interface LoginRateLimiterOptions {
  redis: RedisClientType;
  keyPrefix?: string;
  limits?: LoginLimits;
}

// Consecutive failures are forgotten a day after the first one; a success forgets them at once.
const CONSECUTIVE_WINDOW_SEC = 24 * 60 * 60;

/**
 * Counts failed logins in Redis, per account and per client address, and locks an account out
 * with an exponential back-off after repeated failures.
 *
 * When Redis cannot be reached every method throws ERR_SERVICE_UNAVAILABLE: failing open would
 * turn a Redis outage into unlimited password guessing, so logins stop instead (API-key
 * authentication does not pass through here and keeps working).
 */
export class LoginRateLimiter {
  private readonly redis: RedisClientType;
  private readonly limits: LoginLimits;
  private readonly perAccount: RateLimiterRedis;
  private readonly perClient: RateLimiterRedis;
  private readonly consecutive: RateLimiterRedis;
  private readonly lockout: RateLimiterRedis;

  constructor(options: LoginRateLimiterOptions) {
    this.redis = options.redis;
    this.limits = options.limits ?? DEFAULT_LOGIN_LIMITS;
    const prefix = options.keyPrefix ?? 'warden:login';
    const limiter = (name: string, points: number, duration: number) =>
      new RateLimiterRedis({ storeClient: options.redis, useRedisPackage: true, keyPrefix: `${prefix}:${name}`, points, duration });
    this.perAccount = limiter('account', this.limits.perAccount.points, this.limits.perAccount.durationSec);
    this.perClient = limiter('client', this.limits.perClient.points, this.limits.perClient.durationSec);
    this.consecutive = limiter('consecutive', Number.MAX_SAFE_INTEGER, CONSECUTIVE_WINDOW_SEC);
    // Only ever written with block(): a key that exists is a lock-out, its TTL the time left.
    this.lockout = limiter('lockout', 1, this.limits.backoff.maxSec);
  }

  /**
   * One MULTI round trip: every login passes through here. Also tells whether the account has
   * failures a success must clear, so the usual login skips recordSuccess's round trip.
   */
  async assertAllowed(account: string, clientIp: string): Promise<{ failuresToClear: boolean }> {
    const accountKey = normaliseAccount(account);
    const keys = [this.perAccount.getKey(accountKey), this.perClient.getKey(clientIp), this.lockout.getKey(accountKey)];
    const multi = this.redis.multi();
    for (const key of keys) multi.get(key).pTTL(key);
    multi.exists(this.consecutive.getKey(accountKey));
    const replies = await this.guard(() => multi.exec());
    const [accountUsed, accountTtl, clientUsed, clientTtl, lockedValue, lockTtl, consecutiveExists] = replies as (string | number | null)[];
    const blockedForMs = Math.max(
      blockedMs(accountUsed, accountTtl, this.limits.perAccount.points),
      blockedMs(clientUsed, clientTtl, this.limits.perClient.points),
      lockedValue === null ? 0 : ttlMs(lockTtl),
    );
    if (blockedForMs > 0) throw new WardenError('ERR_RATE_LIMITED', undefined, { retry_after_sec: Math.max(1, Math.ceil(blockedForMs / 1000)) });
    return { failuresToClear: Number(consecutiveExists) > 0 || lockedValue !== null };
  }

  async recordFailure(account: string, clientIp: string): Promise<void> {
    const accountKey = normaliseAccount(account);
    const [, , consecutive] = await this.guard(() =>
      Promise.all([consumed(this.perAccount, accountKey), consumed(this.perClient, clientIp), consumed(this.consecutive, accountKey)]),
    );
    const delaySec = backoffDelaySec(consecutive, this.limits.backoff);
    if (delaySec > 0) await this.guard(() => this.lockout.block(accountKey, delaySec));
  }

  /** Clears the consecutive-failure back-off; the windowed per-account count stays. */
  async recordSuccess(account: string): Promise<void> {
    const accountKey = normaliseAccount(account);
    await this.guard(() => Promise.all([this.consecutive.delete(accountKey), this.lockout.delete(accountKey)]));
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch {
      throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'login rate limiting is unavailable (Redis)');
    }
  }
}

// Usernames are case-insensitive, so the counts must be too.
function normaliseAccount(account: string): string {
  return account.trim().toLowerCase();
}

/** Points used after this consume; going over the limit is expected here, not an error. */
async function consumed(limiter: RateLimiterRedis, key: string): Promise<number> {
  try {
    return (await limiter.consume(key)).consumedPoints;
  } catch (result) {
    if (result instanceof RateLimiterRes) return result.consumedPoints;
    throw result;
  }
}

// The limiter always sets an expiry; -1 (none) would mean a key written by someone else.
function ttlMs(ttl: string | number | null): number {
  const ms = Number(ttl);
  return ms === -1 ? 1000 : Math.max(ms, 0);
}

function blockedMs(used: string | number | null, ttl: string | number | null, points: number): number {
  if (used === null || Number(used) < points) return 0;
  return ttlMs(ttl);
}
