import { WardenError } from '@warden/errors';

interface S3ServiceError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

const status = (error: unknown): number | undefined => (error as S3ServiceError | undefined)?.$metadata?.httpStatusCode;
const nameOf = (error: unknown): string => (error as S3ServiceError | undefined)?.name ?? '';

export function isS3NotFound(error: unknown): boolean {
  return status(error) === 404 || nameOf(error) === 'NotFound' || nameOf(error) === 'NoSuchKey';
}

/**
 * Whatever the store answered, as one stable code: the client learns the storage failed (5xx, so
 * its SDK retries), never the store's own words, which can name the bucket layout. Our own errors
 * (a size limit, an abort) pass through untouched.
 */
export function storageError(error: unknown, action: string): Error {
  if (error instanceof WardenError) return error;
  if (error instanceof Error && (error.name === 'AbortError' || error instanceof DOMException)) return error;
  const detail = nameOf(error) || (error as NodeJS.ErrnoException | undefined)?.code || 'unknown error';
  const statusText = status(error) ? ` (HTTP ${status(error)})` : '';
  return new WardenError('ERR_STORAGE_UNAVAILABLE', `object storage failed to ${action}: ${detail}${statusText}`);
}

/** For readiness and start-up: what an operator must change, naming the setting. */
export function bucketProblem(error: unknown, bucket: string): string {
  const code = status(error);
  const name = nameOf(error);
  if (code === 404 || name === 'NotFound' || name === 'NoSuchBucket') {
    return `bucket ${bucket} does not exist: create it or fix fileserver.storage.s3.bucket`;
  }
  if (code === 403 || code === 401 || /AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|Forbidden/.test(name)) {
    return `the S3 store refused the credentials for bucket ${bucket} (HTTP ${code ?? '?'}): check fileserver.storage.s3.access_key and secret_key (or the AWS default credential chain)`;
  }
  if (code === 301 || name === 'PermanentRedirect') return `bucket ${bucket} is in another region: fix fileserver.storage.s3.region`;
  const detail = name || (error as NodeJS.ErrnoException | undefined)?.code || String(error);
  return `the S3 store cannot be reached for bucket ${bucket} (${detail}): check fileserver.storage.s3.endpoint and region`;
}
