import { CapturedLogs } from '@warden/http/testing';
import { COMPANY_A, as, multipart, rawRequest, startTestFileserver, upload, type RawResponse, type TestFileserver } from './testing/test-fileserver';

// Production serves downloads and uploads outside Express's router (fileserverRoutes' fastRoutes);
// every answer must be the one the router gives: status, every header, body, envelope, access log.
const A = as(COMPANY_A);
const form = multipart([{ name: 'up/ok.txt', content: 'uploaded' }]);
const post = (headers: Record<string, string>, body: Buffer = form.body) => ({
  method: 'POST',
  path: '/',
  headers: { 'Content-Type': form.contentType, ...headers },
  body,
});
const get = (path: string, headers: Record<string, string> = A) => ({ method: 'GET', path, headers });

const CASES: Array<[string, { method: string; path: string; headers: Record<string, string>; body?: Buffer }]> = [
  ['a whole object', get('/docs/page.txt')],
  ['HEAD of it', { ...get('/docs/page.txt'), method: 'HEAD' }],
  ['a range', get('/docs/page.txt', { ...A, Range: 'bytes=2-5' })],
  ['a suffix range', get('/docs/page.txt', { ...A, Range: 'bytes=-3' })],
  ['an unsatisfiable range', get('/docs/page.txt', { ...A, Range: 'bytes=999-' })],
  ['a conditional GET by ETag', get('/docs/page.txt', { ...A, 'If-None-Match': '*' })],
  ['a download as attachment', get('/docs/page.txt?download')],
  ['an active type (sandboxed)', get('/docs/page.html')],
  ['a missing object', get('/docs/missing.txt')],
  ['no credentials', get('/docs/page.txt', {})],
  ['a traversal', get('/docs/..%2f..%2fetc/passwd')],
  ['a dot-dot segment', get('/docs/../../etc/passwd')],
  ['a doubly encoded dot', get('/docs/%252e%252e/x')],
  ['malformed percent-encoding', get('/docs/%zz')],
  ['the temp folder', get('/.warden-tmp/x')],
  ['a request id kept from the client', get('/docs/page.txt', { ...A, 'X-Request-Id': 'client-chosen-1' })],
  ['the ping (not a fast path)', get('/', {})],
  ['a probe in another case (not a fast path)', get('/HEALTH', {})],
  ['an upload', post(A)],
  ['an upload without credentials', post({})],
  ['an upload that is not multipart', post({ ...A, 'Content-Type': 'text/plain' })],
  ['a compressed upload', post({ ...A, 'Content-Encoding': 'gzip' })],
  ['a truncated multipart body', post(A, form.body.subarray(0, form.body.length - 10))],
  ['an upload to a traversing name', post(A, multipart([{ name: '../escape.txt', content: 'x' }]).body)],
  ['a POST elsewhere (not a fast path)', { ...post(A), path: '/delete_many' }],
];

// Both servers get the same request id (X-Request-Id), so ids, envelopes and their ETags can
// match byte for byte; only the clock differs.
function comparable(res: RawResponse): unknown {
  const { date, ...headers } = res.headers;
  expect(date).toBeDefined();
  return { status: res.status, headers, body: res.body.toString('utf8') };
}

function accessLines(logs: CapturedLogs): unknown[] {
  return logs.lines.map((line) => {
    const { req, res, msg, level } = JSON.parse(line) as { req?: unknown; res?: unknown; msg: string; level: number };
    return { req, res, msg, level };
  });
}

describe('fileserver hot paths outside the router', () => {
  let fast: TestFileserver;
  let routed: TestFileserver;
  const logs = { fast: new CapturedLogs(), routed: new CapturedLogs() };

  beforeAll(async () => {
    fast = await startTestFileserver({ logs: logs.fast });
    routed = await startTestFileserver({ shareWith: fast, routerOnly: true, logs: logs.routed });
    expect((await upload(fast, A, [{ name: 'docs/page.txt', content: 'hello world' }])).status).toBe(200);
    expect((await upload(fast, A, [{ name: 'docs/page.html', content: '<p>hi</p>' }])).status).toBe(200);
  });
  afterAll(async () => {
    await fast.close();
    await routed.close();
  });

  it.each(CASES)('answers %s exactly as the router does, and logs it the same', async (name, r) => {
    logs.fast.lines.length = 0;
    logs.routed.lines.length = 0;
    const headers = { 'X-Request-Id': `case-${name.replace(/\W+/g, '-')}`, ...r.headers };
    const viaFast = await rawRequest(fast.url, r.method, r.path, headers, r.body);
    const viaRouter = await rawRequest(routed.url, r.method, r.path, headers, r.body);
    expect(comparable(viaFast)).toEqual(comparable(viaRouter));
    // Security headers are there at all (helmet's, replayed by the kit).
    expect(viaFast.headers['x-content-type-options']).toBe('nosniff');
    // The access line is written when the response closes, just after the client has it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(accessLines(logs.fast)).toEqual(accessLines(logs.routed));
    expect(logs.fast.lines.length).toBeGreaterThan(0);
  });
});
