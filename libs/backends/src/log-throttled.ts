import type { Logger } from '@warden/http';

const INTERVAL_MS = 30_000;

/** A backend that is down errors on every retry; operators need one line, not thousands. */
export function logThrottled(logger: Logger, backend: string): (error: unknown) => void {
  let last = 0;
  return (error) => {
    const now = Date.now();
    if (now - last < INTERVAL_MS) return;
    last = now;
    logger.warn({ backend, err: error instanceof Error ? error.message : String(error) }, `${backend} unavailable; retrying`);
  };
}
