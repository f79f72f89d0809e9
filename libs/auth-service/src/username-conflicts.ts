import type { RedisClientType } from 'redis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { WardenError } from '@warden/errors';
import type { AuditTrail } from '@warden/identity';

export interface UsernameConflictsOptions {
  redis: RedisClientType;
  audit: AuditTrail;
  keyPrefix?: string;
  /** Taken usernames one caller may hit per window before create_user answers 429. */
  points?: number;
  durationSec?: number;
}

const DEFAULT_POINTS = 10;
const DEFAULT_DURATION_SEC = 60 * 60;

/**
 * Usernames are login names, unique across every company, so "taken" cannot be hidden from an
 * admin who picks one. It is all they learn: the answer is the same wherever the holder lives, each
 * one is audited, and a caller who keeps hitting taken names is stopped, so the answer cannot be
 * used to list another tenant's users.
 */
export class UsernameConflicts {
  private readonly limiter: RateLimiterRedis;
  private readonly audit: AuditTrail;
  private readonly points: number;

  constructor(options: UsernameConflictsOptions) {
    this.audit = options.audit;
    this.points = options.points ?? DEFAULT_POINTS;
    this.limiter = new RateLimiterRedis({
      storeClient: options.redis,
      useRedisPackage: true,
      keyPrefix: `${options.keyPrefix ?? 'warden'}:username-conflicts`,
      points: this.points,
      duration: options.durationSec ?? DEFAULT_DURATION_SEC,
    });
  }

  async guard<T>(caller: { user: string; company: string }, context: { username: unknown; clientIp?: string }, create: () => Promise<T>): Promise<T> {
    const used = await this.redis(() => this.limiter.get(caller.user));
    if (used && used.consumedPoints >= this.points) {
      throw new WardenError('ERR_RATE_LIMITED', 'too many taken usernames tried: wait before creating more users', { retry_after_sec: Math.max(1, Math.ceil(used.msBeforeNext / 1000)) });
    }
    try {
      return await create();
    } catch (error) {
      if (!(error instanceof WardenError && error.code === 'ERR_USERNAME_TAKEN')) throw error;
      await this.redis(() => this.limiter.consume(caller.user).catch((result: unknown) => (result instanceof RateLimiterRes ? result : Promise.reject(result))));
      this.audit.record({ type: 'user.create', outcome: 'failure', user: caller.user, company: caller.company, username: typeof context.username === 'string' ? context.username : undefined, client_ip: context.clientIp, reason: error.code });
      throw error;
    }
  }

  private async redis<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch {
      throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'user creation limits are unavailable (Redis)');
    }
  }
}
