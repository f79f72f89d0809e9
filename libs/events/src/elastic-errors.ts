import { errors } from '@elastic/elasticsearch';
import { WardenError } from '@warden/errors';

/** True when Elasticsearch could not take the request at all, so a retry later may succeed. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof errors.ResponseError) return error.statusCode === 429 || (error.statusCode ?? 0) >= 500;
  return error instanceof errors.ConnectionError || error instanceof errors.TimeoutError || error instanceof errors.NoLivingConnectionsError;
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Runs one Elasticsearch call, turning "unreachable / overloaded" into ERR_SERVICE_UNAVAILABLE. */
export async function elastic<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnavailable(error)) throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'events store (Elasticsearch) is unavailable');
    throw error;
  }
}
