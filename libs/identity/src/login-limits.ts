/**
 * How failed logins are limited. Failures count per client address (password sprays over many
 * accounts), per (account, client) with an exponential back-off (guessing one account from one
 * place), and per account over all clients, where passing the ceiling only slows every attempt
 * down: a lock there would let anyone who knows a username keep its owner out.
 */
export interface LoginLimits {
  perClient: { failures: number; windowSec: number };
  perAccountClient: { failures: number; windowSec: number };
  backoff: { afterFailures: number; baseSec: number; maxSec: number };
  perAccount: { slowAfterFailures: number; windowSec: number; delayMs: number };
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perClient: { failures: 100, windowSec: 15 * 60 },
  perAccountClient: { failures: 10, windowSec: 15 * 60 },
  backoff: { afterFailures: 5, baseSec: 1, maxSec: 15 * 60 },
  perAccount: { slowAfterFailures: 50, windowSec: 15 * 60, delayMs: 1000 },
};

/**
 * Seconds an (account, client) pair stays locked after its `consecutiveFailures`-th failure in a
 * row: 0 before `afterFailures`, then base, 2 x base, 4 x base ... capped at maxSec.
 */
export function backoffDelaySec(consecutiveFailures: number, backoff: LoginLimits['backoff']): number {
  if (consecutiveFailures < backoff.afterFailures) return 0;
  const exponent = consecutiveFailures - backoff.afterFailures;
  // 2 ** 1024 is Infinity, which Math.min handles; the cap keeps the result finite.
  return Math.min(backoff.baseSec * 2 ** exponent, backoff.maxSec);
}
