import { WardenError } from '@warden/errors';

interface BodyParserError {
  type?: string;
  status?: number;
  /** zlib's and brotli's decoding errors carry a numeric errno (Z_DATA_ERROR, ERR__ERROR_FORMAT_…). */
  errno?: number;
}

/**
 * What a failure of express' body parsers means for the client. Every parser error with a 4xx
 * status is the client's doing, whatever its `type`: a body that does not inflate with its
 * `Content-Encoding` comes straight from zlib with a status but no type, and once fell through
 * to a 500. Anything else (no status, or 5xx) is left to the caller as an internal error.
 */
export function bodyParserError(error: unknown, within?: { limit: number; endpoint: string }): WardenError | undefined {
  if (error instanceof WardenError) return error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, status, errno } = error as BodyParserError;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (type === 'entity.too.large') {
    if (!within) return new WardenError('ERR_PAYLOAD_TOO_LARGE');
    return new WardenError('ERR_PAYLOAD_TOO_LARGE', `request body exceeds the ${within.limit} bytes ${within.endpoint} accepts`, { limit: within.limit });
  }
  if (type === 'entity.parse.failed') return new WardenError('ERR_INVALID_JSON');
  if (type === 'encoding.unsupported') return new WardenError('ERR_UNSUPPORTED_ENCODING', 'Content-Encoding must be identity, gzip, deflate or br');
  if (type === 'charset.unsupported') return new WardenError('ERR_UNSUPPORTED_ENCODING', 'request body charset must be utf-8');
  if (typeof errno === 'number') return new WardenError('ERR_INVALID_ENCODING');
  return new WardenError('ERR_BAD_REQUEST', 'malformed request body');
}
