import { DEFAULT_LOGIN_LIMITS, backoffDelaySec } from './login-limits';

describe('backoffDelaySec', () => {
  const backoff = DEFAULT_LOGIN_LIMITS.backoff;

  it('does not lock before the threshold', () => {
    for (let n = 0; n < backoff.afterFailures; n++) expect(backoffDelaySec(n, backoff)).toBe(0);
  });

  it('doubles from the base at the threshold', () => {
    expect([5, 6, 7, 8, 9].map((n) => backoffDelaySec(n, backoff))).toEqual([1, 2, 4, 8, 16]);
  });

  it('caps at maxSec, also for absurd counts', () => {
    expect(backoffDelaySec(15, backoff)).toBe(900);
    expect(backoffDelaySec(5000, backoff)).toBe(900);
  });

  it('follows a custom base and threshold', () => {
    const custom = { afterFailures: 2, baseSec: 3, maxSec: 20 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelaySec(n, custom))).toEqual([0, 3, 6, 12, 20]);
  });

  it('defaults match the documented policy', () => {
    expect(DEFAULT_LOGIN_LIMITS).toEqual({
      perClient: { failures: 100, windowSec: 900 },
      perAccountClient: { failures: 10, windowSec: 900 },
      backoff: { afterFailures: 5, baseSec: 1, maxSec: 900 },
      perAccount: { slowAfterFailures: 50, windowSec: 900, delayMs: 1000 },
    });
  });
});
