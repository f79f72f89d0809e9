import { DEFAULT_RETRY_POLICY, backoffDelay, parseRetryAfter } from './backoff';

describe('backoffDelay', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1000, maxDelayMs: 10_000, jitter: 0.2 };

  it('doubles from the base delay with no jitter at the midpoint', () => {
    expect([1, 2, 3, 4].map((retry) => backoffDelay(retry, policy, 0.5))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('caps at maxDelayMs, jitter included', () => {
    expect(backoffDelay(5, policy, 0.5)).toBe(10_000);
    expect(backoffDelay(9, policy, 0.999)).toBe(10_000);
  });

  it('spreads each wait by at most the jitter fraction either way', () => {
    expect(backoffDelay(2, policy, 0)).toBe(1600);
    expect(backoffDelay(2, policy, 0.999)).toBeLessThanOrEqual(2400);
    expect(backoffDelay(2, policy, 0.999)).toBeGreaterThan(2390);
  });

  it('sums to 31 s over five retries with the default policy and no jitter', () => {
    const total = [1, 2, 3, 4, 5].reduce((sum, retry) => sum + backoffDelay(retry, DEFAULT_RETRY_POLICY, 0.5), 0);
    expect(total).toBe(31_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});
