import { WardenError } from '@warden/errors';

/** Where LocalStorage keeps files being written; never a valid first key segment. */
export const TEMP_DIR_NAME = '.warden-tmp';

/**
 * S3's limit on a key, applied to every backend so that a key is valid on all of them or on none
 * (an S3 bucket prefix takes its share on top, checked by S3Storage).
 */
export const MAX_KEY_BYTES = 1024;

/**
 * The segments of a key, refusing anything that is not a plain relative path. The fileserver
 * validates paths before they get here; this is the storage's own last line.
 */
export function keySegments(key: string): string[] {
  if (typeof key !== 'string' || key === '') throw new WardenError('ERR_PATH_INVALID', 'empty key');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new WardenError('ERR_PATH_TOO_LONG', `key is longer than ${MAX_KEY_BYTES} bytes`);
  if (key.startsWith('/') || key.includes('\\')) throw new WardenError('ERR_PATH_TRAVERSAL');
  if (key.includes('\0')) throw new WardenError('ERR_PATH_INVALID', 'key contains a NUL byte');
  const segments = key.split('/');
  if (segments.includes('..')) throw new WardenError('ERR_PATH_TRAVERSAL');
  if (segments.some((s) => s === '' || s === '.')) throw new WardenError('ERR_PATH_INVALID', 'key has an empty or "." segment');
  if (segments[0] === TEMP_DIR_NAME) throw new WardenError('ERR_PATH_INVALID', 'key names the storage temp folder');
  return segments;
}
