import type { RedisClientType } from 'redis';
import { WardenError } from '@warden/errors';
import { FailureLimiter, type AuditTrail } from '@warden/identity';

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
  private readonly limiter: FailureLimiter;
  private readonly audit: AuditTrail;

  constructor(options: UsernameConflictsOptions) {
    this.audit = options.audit;
    this.limiter = new FailureLimiter({
      redis: options.redis,
      keyPrefix: `${options.keyPrefix ?? 'warden'}:username-conflicts`,
      points: options.points ?? DEFAULT_POINTS,
      durationSec: options.durationSec ?? DEFAULT_DURATION_SEC,
      refusal: 'too many taken usernames tried: wait before creating more users',
    });
  }

  async guard<T>(caller: { user: string; company: string }, context: { username: unknown; clientIp?: string }, create: () => Promise<T>): Promise<T> {
    await this.limiter.assertAllowed(caller.user);
    try {
      return await create();
    } catch (error) {
      if (!(error instanceof WardenError && error.code === 'ERR_USERNAME_TAKEN')) throw error;
      await this.limiter.recordFailure(caller.user);
      this.audit.record({
        type: 'user.create',
        outcome: 'failure',
        user: caller.user,
        company: caller.company,
        username: typeof context.username === 'string' ? context.username : undefined,
        client_ip: context.clientIp,
        reason: error.code,
      });
      throw error;
    }
  }
}
