/** A store's answer the fast GET client cannot read as HTTP/1.x; not retried, as a malformed answer would come again. */
export class ResponseHeadError extends Error {
  readonly code = 'ERR_S3_BAD_RESPONSE';

  constructor(message: string) {
    super(message);
    this.name = 'ResponseHeadError';
  }
}

export interface ResponseHead {
  statusCode: number;
  reason: string;
  /** Lower-case names; repeated fields joined with ", " as Node's http client does. */
  headers: Record<string, string>;
  /** The body's length, or null when Content-Length does not frame it (chunked, read to close, 1xx). */
  bodyBytes: number | null;
  /** Whether the connection may carry the next request once the body is read. */
  keepAlive: boolean;
}

export const MAX_HEAD_BYTES = 64 * 1024;

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-5]\d\d)(?: ([^\r\n\0]*))?$/;
// RFC 9110 token for the name; a value with a bare CR, LF or NUL is refused, not passed on.
const FIELD_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\r\n\0]*?)[ \t]*$/;

/** Where the head at the start of `bytes` ends (just past its blank line), or -1 while more is needed. */
export function headLength(bytes: Buffer): number {
  const blank = bytes.indexOf('\r\n\r\n', 0, 'latin1');
  const length = blank < 0 ? -1 : blank + 4;
  if (length > MAX_HEAD_BYTES || (length < 0 && bytes.length > MAX_HEAD_BYTES)) {
    throw new ResponseHeadError(`the response head is over ${MAX_HEAD_BYTES} bytes`);
  }
  return length;
}

/** Parses a response head (status line and fields, the blank line excluded), strictly. */
export function parseResponseHead(head: string): ResponseHead {
  const [statusLine, ...fieldLines] = head.split('\r\n');
  const status = STATUS_LINE.exec(statusLine);
  if (!status) throw new ResponseHeadError('the response has no valid HTTP/1.x status line');
  const fields = new Map<string, string>();
  for (const line of fieldLines) {
    const field = FIELD_LINE.exec(line);
    if (!field) throw new ResponseHeadError('the response has a malformed header field');
    const name = field[1].toLowerCase();
    const seen = fields.get(name);
    fields.set(name, seen === undefined ? field[2] : `${seen}, ${field[2]}`);
  }
  const statusCode = Number(status[2]);
  const connection = fields.get('connection') ?? '';
  return {
    statusCode,
    reason: status[3] ?? '',
    // fromEntries defines own properties: a field named __proto__ stays a field.
    headers: Object.fromEntries(fields),
    bodyBytes: bodyBytes(statusCode, fields),
    keepAlive: status[1] === '1' && !/(^|,)\s*close\s*($|,)/i.test(connection),
  };
}

function bodyBytes(statusCode: number, fields: Map<string, string>): number | null {
  if (statusCode < 200) return null;
  if (statusCode === 204 || statusCode === 304) return 0;
  if (fields.has('transfer-encoding')) return null;
  const declared = fields.get('content-length');
  if (declared === undefined) return null;
  // Repeated identical lengths are allowed (RFC 9112 6.3); differing ones mean a smuggled body.
  const values = declared.split(',').map((value) => value.trim());
  if (!values.every((value) => /^\d{1,15}$/.test(value) && value === values[0])) {
    throw new ResponseHeadError('the response has an invalid Content-Length');
  }
  return Number(values[0]);
}
