export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Wall-clock budget across all attempts and waits; a wait that would cross it is not started. */
  maxElapsedMs: number;
  /** Each wait varies by up to this fraction either way, so clients that failed together spread out. */
  jitter: number;
}

/** 1 + 2 + 4 + 8 + 16 s: a fileserver restart fits inside the default budget. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 5,
  baseDelayMs: 1000,
  maxDelayMs: 16_000,
  maxElapsedMs: 120_000,
  jitter: 0.2,
};

/** Wait before retry number `retry` (1-based); `random` is in [0, 1). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const spread = exponential * policy.jitter * (2 * random - 1);
  return Math.max(0, Math.round(Math.min(policy.maxDelayMs, exponential + spread)));
}

/** Retry-After is either delta-seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // Date.parse accepts odd inputs like "-5"; an HTTP date always starts with the day name.
  if (!/^[A-Za-z]{3}, /.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
