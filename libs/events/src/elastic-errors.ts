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

/** A request Elasticsearch read and refused (4xx other than 429): what the client sent did not fit. */
function isRefused(error: unknown): error is InstanceType<typeof errors.ResponseError> {
  const status = error instanceof errors.ResponseError ? (error.statusCode ?? 0) : 0;
  return status >= 400 && status < 500 && status !== 429;
}

/**
 * Runs one Elasticsearch call: "unreachable / overloaded" becomes ERR_SERVICE_UNAVAILABLE, a
 * refusal ERR_EVENTS_QUERY_REFUSED (it was a 500). Only Elasticsearch's error type is passed on,
 * never its reason, which quotes index names and internals.
 */
export async function elastic<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnavailable(error)) throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'events store (Elasticsearch) is unavailable');
    if (isRefused(error)) throw new WardenError('ERR_EVENTS_QUERY_REFUSED', undefined, { reason: refusalType(error) });
    throw error;
  }
}

function refusalType(error: InstanceType<typeof errors.ResponseError>): string {
  const body = error.body as { error?: { type?: unknown } } | undefined;
  return typeof body?.error?.type === 'string' ? body.error.type : 'unknown';
}
