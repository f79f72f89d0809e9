import { backoffDelay, type RetryPolicy } from './backoff';
import { SdkError, isSdkError } from './sdk-error';

export interface RetryClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  random(): number;
}

export interface RetryEvent {
  retry: number;
  waitMs: number;
  error: SdkError;
}

export interface RetryOptions {
  policy: RetryPolicy;
  clock: RetryClock;
  signal?: AbortSignal;
  onRetry?: (event: RetryEvent) => void;
}

export const REAL_CLOCK: RetryClock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortedError());
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export function abortedError(): SdkError {
  return new SdkError('ERR_ABORTED', 'cancelled');
}

/**
 * Runs `operation` until it succeeds, fails with a non-retryable error, or the policy's attempt
 * or time budget runs out; the final error says how many retries were spent over how long.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, clock, signal } = options;
  const started = clock.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isSdkError(error) || !error.retryable) throw error;
      const elapsedMs = clock.now() - started;
      const waitMs = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : backoffDelay(attempt, policy, clock.random());
      const retried = attempt - 1;
      if (retried >= policy.retries || elapsedMs + waitMs > policy.maxElapsedMs) throw giveUp(error, attempt, elapsedMs);
      options.onRetry?.({ retry: attempt, waitMs, error });
      await clock.sleep(waitMs, signal);
    }
  }
}

function giveUp(error: SdkError, attempts: number, elapsedMs: number): SdkError {
  const retried = attempts - 1;
  if (retried === 0 && error.retryAfterSeconds === undefined) return error.withMessage(error.message, attempts, elapsedMs);
  const seconds = Math.round(elapsedMs / 1000);
  const wait = error.retryAfterSeconds !== undefined ? `; server asked to wait ${error.retryAfterSeconds} s` : '';
  return error.withMessage(`${error.message}: retried ${retried} times over ${seconds} s${wait}`, attempts, elapsedMs);
}
