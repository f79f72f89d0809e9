import { headLength, MAX_HEAD_BYTES, parseResponseHead, ResponseHeadError } from './http-response-head';

const head = (...lines: string[]) => lines.join('\r\n');

describe('parseResponseHead', () => {
  it('reads the status, the fields in lower case and the body length', () => {
    const parsed = parseResponseHead(head('HTTP/1.1 206 Partial Content', 'Content-Length: 12', 'ETag: "abc"', 'X-Amz-Meta: a', 'x-amz-meta: b'));
    expect(parsed).toEqual({
      statusCode: 206,
      reason: 'Partial Content',
      headers: { 'content-length': '12', etag: '"abc"', 'x-amz-meta': 'a, b' },
      bodyBytes: 12,
      keepAlive: true,
    });
  });

  it('keeps a field named __proto__ as a field, not as the prototype', () => {
    const parsed = parseResponseHead(head('HTTP/1.1 200 OK', 'Content-Length: 0', '__proto__: x'));
    expect(Object.getPrototypeOf(parsed.headers)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(parsed.headers, '__proto__')?.value).toBe('x');
  });

  it('leaves bodies that Content-Length does not frame to the fallback', () => {
    expect(parseResponseHead(head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked')).bodyBytes).toBeNull();
    expect(parseResponseHead(head('HTTP/1.1 200 OK', 'Content-Length: 3', 'Transfer-Encoding: chunked')).bodyBytes).toBeNull();
    expect(parseResponseHead(head('HTTP/1.1 500 Internal Server Error')).bodyBytes).toBeNull();
    expect(parseResponseHead(head('HTTP/1.1 100 Continue')).bodyBytes).toBeNull();
    expect(parseResponseHead(head('HTTP/1.1 304 Not Modified', 'Content-Length: 99')).bodyBytes).toBe(0);
  });

  it('accepts a repeated identical Content-Length and refuses differing ones', () => {
    expect(parseResponseHead(head('HTTP/1.1 200 OK', 'Content-Length: 7', 'Content-Length: 7')).bodyBytes).toBe(7);
    for (const lengths of [['7', '8'], ['7, 8'], ['-1'], ['1e3'], ['0x10'], ['']]) {
      const lines = lengths.map((value) => `Content-Length: ${value}`);
      expect(() => parseResponseHead(head('HTTP/1.1 200 OK', ...lines))).toThrow(ResponseHeadError);
    }
  });

  it('keeps a connection only when HTTP/1.1 does not ask to close it', () => {
    expect(parseResponseHead(head('HTTP/1.1 200 OK', 'Content-Length: 0', 'Connection: keep-alive, Close')).keepAlive).toBe(false);
    expect(parseResponseHead(head('HTTP/1.1 200 OK', 'Content-Length: 0', 'Connection: closed-not')).keepAlive).toBe(true);
    expect(parseResponseHead(head('HTTP/1.0 200 OK', 'Content-Length: 0')).keepAlive).toBe(false);
  });

  it('refuses malformed status lines and fields rather than guessing', () => {
    for (const bad of [
      head('HTTP/2 200 OK'),
      head('HTTP/1.1 2000 OK'),
      head('ICY 200 OK'),
      head('HTTP/1.1 200 OK', 'No-Colon'),
      head('HTTP/1.1 200 OK', 'Bad Name: x'),
      head('HTTP/1.1 200 OK', ' folded: continuation'),
      head('HTTP/1.1 200 OK', 'X-Split: a\nContent-Length: 0'),
      head('HTTP/1.1 200 OK', 'X-Nul: a\0b'),
    ]) {
      expect(() => parseResponseHead(bad)).toThrow(ResponseHeadError);
    }
  });
});

describe('headLength', () => {
  it('finds the end of the head, or asks for more', () => {
    expect(headLength(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'))).toBe(38);
    expect(headLength(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n'))).toBe(-1);
  });

  it(`refuses a head over ${MAX_HEAD_BYTES} bytes, complete or not`, () => {
    const long = `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_HEAD_BYTES)}`;
    expect(() => headLength(Buffer.from(long))).toThrow(ResponseHeadError);
    expect(() => headLength(Buffer.from(`${long}\r\n\r\n`))).toThrow(ResponseHeadError);
  });
});
