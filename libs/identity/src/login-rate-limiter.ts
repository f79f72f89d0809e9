import { createHash } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { WardenError } from '@warden/errors';
import { DEFAULT_LOGIN_LIMITS, backoffDelaySec, type LoginLimits } from './login-limits';

export interface LoginRateLimiterOptions {
  redis: RedisClientType;
  keyPrefix?: string;
  limits?: LoginLimits;
}

export interface LoginAdmission {
  /** The pair has failures in a row that a success must clear (the usual login skips that round trip). */
  failuresToClear: boolean;
  /** How long to hold the attempt before checking it: the account is past its ceiling. */
  delayMs: number;
}

// Failures in a row are forgotten a day after the first one; a success forgets them at once.
const CONSECUTIVE_WINDOW_SEC = 24 * 60 * 60;

/**
 * Counts failed logins in Redis (see LoginLimits): per client address, per (account, client) with
 * a growing back-off, and per account, where passing the ceiling slows attempts down instead of
 * refusing them. An access key (`isKey`) is never slowed by what other clients do: its 50-character
 * secret cannot be guessed, so only the per-client limits apply to it.
 *
 * Keys and usernames go through the same Redis commands, so the work done does not tell them apart.
 * When Redis cannot be reached every method throws ERR_SERVICE_UNAVAILABLE: failing open would
 * turn a Redis outage into unlimited password guessing, so logins stop instead.
 */
export class LoginRateLimiter {
  private readonly redis: RedisClientType;
  private readonly limits: LoginLimits;
  private readonly perClient: RateLimiterRedis;
  private readonly perPair: RateLimiterRedis;
  private readonly perAccount: RateLimiterRedis;
  private readonly consecutive: RateLimiterRedis;
  private readonly lockout: RateLimiterRedis;

  constructor(options: LoginRateLimiterOptions) {
    this.redis = options.redis;
    this.limits = options.limits ?? DEFAULT_LOGIN_LIMITS;
    const prefix = options.keyPrefix ?? 'warden:login';
    const limiter = (name: string, points: number, duration: number) =>
      new RateLimiterRedis({ storeClient: options.redis, useRedisPackage: true, keyPrefix: `${prefix}:${name}`, points, duration });
    this.perClient = limiter('client', this.limits.perClient.failures, this.limits.perClient.windowSec);
    this.perPair = limiter('pair', this.limits.perAccountClient.failures, this.limits.perAccountClient.windowSec);
    this.perAccount = limiter('account', Number.MAX_SAFE_INTEGER, this.limits.perAccount.windowSec);
    this.consecutive = limiter('consecutive', Number.MAX_SAFE_INTEGER, CONSECUTIVE_WINDOW_SEC);
    // Only ever written with block(): a key that exists is a lock-out, its TTL the time left.
    this.lockout = limiter('lockout', 1, this.limits.backoff.maxSec);
  }

  /** One MULTI round trip: every login passes through here. */
  async assertAllowed(account: string, clientIp: string, options: { isKey: boolean }): Promise<LoginAdmission> {
    const { accountKey, pairKey, clientKey } = subjects(account, clientIp);
    const multi = this.redis.multi();
    for (const key of [this.perClient.getKey(clientKey), this.perPair.getKey(pairKey), this.lockout.getKey(pairKey)]) multi.get(key).pTTL(key);
    multi.get(this.perAccount.getKey(accountKey)).exists(this.consecutive.getKey(pairKey));
    const replies = await this.guard(() => multi.exec());
    const [clientUsed, clientTtl, pairUsed, pairTtl, lockedValue, lockTtl, accountUsed, consecutiveExists] = replies as (string | number | null)[];
    const blockedForMs = Math.max(
      blockedMs(clientUsed, clientTtl, this.limits.perClient.failures),
      blockedMs(pairUsed, pairTtl, this.limits.perAccountClient.failures),
      lockedValue === null ? 0 : ttlMs(lockTtl),
    );
    if (blockedForMs > 0) throw new WardenError('ERR_RATE_LIMITED', undefined, { retry_after_sec: Math.max(1, Math.ceil(blockedForMs / 1000)) });
    const slowed = !options.isKey && Number(accountUsed ?? 0) >= this.limits.perAccount.slowAfterFailures;
    return { failuresToClear: Number(consecutiveExists) > 0 || lockedValue !== null, delayMs: slowed ? this.limits.perAccount.delayMs : 0 };
  }

  async recordFailure(account: string, clientIp: string): Promise<void> {
    const { accountKey, pairKey, clientKey } = subjects(account, clientIp);
    const [, , , inARow] = await this.guard(() =>
      Promise.all([consumed(this.perClient, clientKey), consumed(this.perPair, pairKey), consumed(this.perAccount, accountKey), consumed(this.consecutive, pairKey)]),
    );
    const delaySec = backoffDelaySec(inARow, this.limits.backoff);
    if (delaySec > 0) await this.guard(() => this.lockout.block(pairKey, delaySec));
  }

  /** Clears this client's back-off on the account; the windowed counts stay. */
  async recordSuccess(account: string, clientIp: string): Promise<void> {
    const { pairKey } = subjects(account, clientIp);
    await this.guard(() => Promise.all([this.consecutive.delete(pairKey), this.lockout.delete(pairKey)]));
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch {
      throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'login rate limiting is unavailable (Redis)');
    }
  }
}

/**
 * Usernames are case-insensitive, so the counts must be too; the account is hashed so that a
 * login id of any length or content makes a short Redis key of fixed shape.
 */
function subjects(account: string, clientIp: string): { accountKey: string; pairKey: string; clientKey: string } {
  const accountKey = createHash('sha256').update(account.trim().toLowerCase(), 'utf8').digest('hex');
  const clientKey = clientIp || 'unknown';
  return { accountKey, clientKey, pairKey: `${accountKey}:${clientKey}` };
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
