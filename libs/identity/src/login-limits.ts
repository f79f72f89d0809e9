export interface LoginLimits {
  perAccount: { points: number; durationSec: number };
  perClient: { points: number; durationSec: number };
  backoff: { afterFailures: number; baseSec: number; maxSec: number };
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAccount: { points: 10, durationSec: 15 * 60 },
  perClient: { points: 100, durationSec: 15 * 60 },
  backoff: { afterFailures: 5, baseSec: 1, maxSec: 15 * 60 },
};

/**
 * Seconds an account stays locked after its `consecutiveFailures`-th failure in a row:
 * 0 before `afterFailures`, then base, 2 x base, 4 x base ... capped at maxSec.
 */
export function backoffDelaySec(consecutiveFailures: number, backoff: LoginLimits['backoff']): number {
  if (consecutiveFailures < backoff.afterFailures) return 0;
  const exponent = consecutiveFailures - backoff.afterFailures;
  // 2 ** 1024 is Infinity, which Math.min handles; the cap keeps the result finite.
  return Math.min(backoff.baseSec * 2 ** exponent, backoff.maxSec);
}
