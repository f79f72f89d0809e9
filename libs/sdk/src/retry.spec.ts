import { DEFAULT_RETRY_POLICY } from './backoff';
import { withRetry } from './retry';
import { SdkError } from './sdk-error';
import { recordingClock } from './testing/test-clock';

const transient = () => new SdkError('ERR_NETWORK', 'fileserver unreachable at http://h (ECONNREFUSED)', { retryable: true });

describe('withRetry', () => {
  it('retries transient failures with exponential waits, then succeeds', async () => {
    const clock = recordingClock();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 4) throw transient();
        return 'ok';
      },
      { policy: DEFAULT_RETRY_POLICY, clock },
    );
    expect(result).toBe('ok');
    expect(clock.waits).toEqual([1000, 2000, 4000]);
  });

  it('gives up after the retry count and says how many retries over how long', async () => {
    const clock = recordingClock();
    const error = await withRetry(() => Promise.reject(transient()), { policy: DEFAULT_RETRY_POLICY, clock }).catch((e) => e);
    expect(error).toBeInstanceOf(SdkError);
    expect(error.message).toBe('fileserver unreachable at http://h (ECONNREFUSED): retried 5 times over 31 s');
    expect(error.attempts).toBe(6);
    expect(error.code).toBe('ERR_NETWORK');
  });

  it('stops before a wait that would cross the total time budget', async () => {
    const clock = recordingClock();
    const policy = { ...DEFAULT_RETRY_POLICY, retries: 50, maxElapsedMs: 10_000 };
    const error = await withRetry(() => Promise.reject(transient()), { policy, clock }).catch((e) => e);
    expect(clock.waits).toEqual([1000, 2000, 4000]);
    expect(error.message).toMatch(/retried 3 times over 7 s$/);
  });

  it('does not retry a failure that is not retryable', async () => {
    const clock = recordingClock();
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw new SdkError('ERR_INVALID_CREDENTIALS', 'no', { status: 401 });
      },
      { policy: DEFAULT_RETRY_POLICY, clock },
    ).catch((e) => e);
    expect(calls).toBe(1);
    expect(error.message).toBe('no');
  });

  it('waits exactly what Retry-After asks, and gives up at once when that exceeds the budget', async () => {
    const clock = recordingClock();
    let calls = 0;
    await withRetry(
      async () => {
        if (calls++ === 0) throw new SdkError('ERR_RATE_LIMITED', 'slow down', { status: 429, retryable: true, retryAfterSeconds: 3 });
      },
      { policy: DEFAULT_RETRY_POLICY, clock },
    );
    expect(clock.waits).toEqual([3000]);

    const tooLong = new SdkError('ERR_RATE_LIMITED', 'slow down', { status: 429, retryable: true, retryAfterSeconds: 3600 });
    const error = await withRetry(() => Promise.reject(tooLong), { policy: DEFAULT_RETRY_POLICY, clock: recordingClock() }).catch((e) => e);
    expect(error.message).toBe('slow down: retried 0 times over 0 s; server asked to wait 3600 s');
  });

  it('reports each retry before waiting', async () => {
    const events: number[] = [];
    let calls = 0;
    await withRetry(
      async () => {
        if (calls++ < 2) throw transient();
      },
      { policy: DEFAULT_RETRY_POLICY, clock: recordingClock(), onRetry: (event) => events.push(event.waitMs) },
    );
    expect(events).toEqual([1000, 2000]);
  });
});
