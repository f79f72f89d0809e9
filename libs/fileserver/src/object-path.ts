import { WardenError } from '@warden/errors';
import { TEMP_DIR_NAME } from '@warden/storage';
import type { FileserverCaller } from './fileserver-options';

export const DEFAULT_MAX_PATH_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
// What is left encoded after the one decoding a path gets: '.', '/', '\', '%' or NUL were encoded
// twice, which only a client trying to slip a separator past a check would do.
const STILL_ENCODED = /%(2e|2f|5c|25|00)/i;
const COMPANY = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * Checks a client's object path (a multipart field name, or a URL path after decoding) and returns
 * it as the storage key below the tenant folder. Anything that is not already a plain relative
 * path is refused rather than normalised, so what a client sends is exactly what is stored.
 */
export function validateObjectPath(raw: string, maxPathBytes = DEFAULT_MAX_PATH_BYTES): string {
  if (typeof raw !== 'string' || raw === '') throw new WardenError('ERR_PATH_INVALID', 'path is empty');
  if (Buffer.byteLength(raw) > maxPathBytes) throw new WardenError('ERR_PATH_TOO_LONG', `path is longer than ${maxPathBytes} bytes`);
  if (CONTROL_CHARS.test(raw)) throw new WardenError('ERR_PATH_INVALID', 'path contains a control character');
  if (raw.includes('\\')) throw new WardenError('ERR_PATH_TRAVERSAL', 'path contains a backslash');
  if (STILL_ENCODED.test(raw)) throw new WardenError('ERR_PATH_TRAVERSAL', 'path contains an encoded separator or dot');
  if (raw.startsWith('/')) throw new WardenError('ERR_PATH_TRAVERSAL', 'path is absolute');
  const segments = raw.split('/');
  if (segments.includes('..')) throw new WardenError('ERR_PATH_TRAVERSAL', 'path contains a ".." segment');
  if (segments.some((s) => s === '' || s === '.')) throw new WardenError('ERR_PATH_INVALID', 'path has an empty or "." segment');
  if (segments.some((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES)) {
    throw new WardenError('ERR_PATH_TOO_LONG', `a path segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  if (segments.includes(TEMP_DIR_NAME)) throw new WardenError('ERR_PATH_INVALID', `${TEMP_DIR_NAME} is a reserved name`);
  return raw;
}

/** A request path (`req.path`, still percent-encoded) as an object path. */
export function decodeUrlPath(rawPath: string, maxPathBytes = DEFAULT_MAX_PATH_BYTES): string {
  const encoded = rawPath.slice(1);
  // An encoded '/' or '\' would become a separator only after every check had looked at the segment.
  if (/%(2f|5c|00)/i.test(encoded)) throw new WardenError('ERR_PATH_TRAVERSAL', 'path contains an encoded separator');
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    throw new WardenError('ERR_PATH_INVALID', 'path has malformed percent-encoding');
  }
  return validateObjectPath(decoded, maxPathBytes);
}

/** Every object of a tenant lives under its company folder; clients never see that folder. */
export function tenantKey(caller: FileserverCaller, path: string): string {
  if (!COMPANY.test(caller.company)) throw new WardenError('ERR_FORBIDDEN', 'caller has no valid company');
  return `${caller.company}/${path}`;
}
