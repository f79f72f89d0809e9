import type { RedisClientType } from 'redis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { WardenError } from '@warden/errors';

export interface FailureLimiterOptions {
  redis: RedisClientType;
  keyPrefix: string;
  /** Failures allowed per key and window before the key is refused until the window ends. */
  points: number;
  durationSec: number;
  /** What a refused caller is told; the error code is always ERR_RATE_LIMITED. */
  refusal?: string;
}

/**
 * Counts failures per key (a client address, a caller) in Redis and refuses the key once it used its
 * window's allowance. Fails closed: without Redis every check answers ERR_SERVICE_UNAVAILABLE.
 */
export class FailureLimiter {
  private readonly limiter: RateLimiterRedis;
  private readonly points: number;
  private readonly refusal?: string;

  constructor(options: FailureLimiterOptions) {
    this.points = options.points;
    this.refusal = options.refusal;
    this.limiter = new RateLimiterRedis({
      storeClient: options.redis,
      useRedisPackage: true,
      keyPrefix: options.keyPrefix,
      points: options.points,
      duration: options.durationSec,
    });
  }

  async assertAllowed(key: string): Promise<void> {
    const state = await this.guard(() => this.limiter.get(key));
    if (state && state.consumedPoints >= this.points) {
      throw new WardenError('ERR_RATE_LIMITED', this.refusal, { retry_after_sec: Math.max(1, Math.ceil(state.msBeforeNext / 1000)) });
    }
  }

  async recordFailure(key: string): Promise<void> {
    // Going over the limit is the point here, so the limiter's rejection is not an error.
    await this.guard(() => this.limiter.penalty(key, 1));
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch {
      throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'rate limiting is unavailable (Redis)');
    }
  }
}
