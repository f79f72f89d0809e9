import { request as httpRequest } from 'node:http';
import { once } from 'node:events';
import {
  COMPANY_A,
  TEST_LIMITS,
  as,
  multipart,
  rawRequest,
  startTestFileserver,
  upload,
  type RawResponse,
  type TestFileserver,
} from './testing/test-fileserver';

const A = as(COMPANY_A);
const LIMIT = 64 * 1024;
const codeOf = (res: RawResponse) => (res.json() as { meta: { error_data: { code: string } } }).meta.error_data.code;

/** A chunked upload (no Content-Length) that keeps sending until the server answers or `total` is sent. */
async function streamUpload(url: string, name: string, total: number): Promise<RawResponse> {
  const boundary = 'stream-boundary';
  const req = httpRequest(`${url}/`, { method: 'POST', headers: { ...A, 'Content-Type': `multipart/form-data; boundary=${boundary}` } });
  const answered = new Promise<RawResponse>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), json: () => JSON.parse(Buffer.concat(chunks).toString()) }),
      );
    });
    req.on('error', reject);
  });
  let settled = false;
  void answered.finally(() => (settled = true)).catch(() => undefined);
  req.write(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\n\r\n`);
  const chunk = Buffer.alloc(16 * 1024, 7);
  for (let sent = 0; sent < total && !settled && !req.destroyed; sent += chunk.length) {
    if (!req.write(chunk)) await Promise.race([once(req, 'drain'), answered.catch(() => undefined)]);
  }
  if (!settled && !req.destroyed) req.end(`\r\n--${boundary}--\r\n`);
  return answered;
}

describe('fileserver upload limits', () => {
  let fs: TestFileserver;
  const nothingLeft = async () => {
    expect(await fs.leftovers()).toEqual([]);
    expect((await fs.objects()).filter((f) => !f.endsWith('previous.bin'))).toEqual([]);
  };

  beforeEach(async () => {
    fs = await startTestFileserver({ limits: { ...TEST_LIMITS, maxUploadBytes: LIMIT, maxParts: 3, maxFieldBytes: 100 } });
  });
  afterEach(() => fs.close());

  it('refuses a declared oversized upload with 413 before reading it', async () => {
    const res = await upload(fs, A, [{ name: 'big.bin', content: Buffer.alloc(LIMIT + 1) }]);
    expect([res.status, codeOf(res), res.headers.connection]).toEqual([413, 'ERR_PAYLOAD_TOO_LARGE', 'close']);
    await nothingLeft();
  });

  it('refuses an oversized chunked upload with 413 once it passes the limit, keeping the previous version', async () => {
    await upload(fs, A, [{ name: 'previous.bin', content: 'previous' }]);
    const res = await streamUpload(fs.url, 'previous.bin', 10 * LIMIT);
    expect([res.status, codeOf(res)]).toEqual([413, 'ERR_PAYLOAD_TOO_LARGE']);
    expect((await rawRequest(fs.url, 'GET', '/previous.bin', A)).body.toString()).toBe('previous');
    await nothingLeft();
  });

  it('counts every part against the one request limit and commits none when it is passed', async () => {
    const res = await upload(fs, A, [
      { name: 'first.bin', content: Buffer.alloc(LIMIT / 2) },
      { name: 'second.bin', content: Buffer.alloc(LIMIT / 2) },
    ]);
    expect(res.status).toBe(413);
    await nothingLeft();
  });

  it('takes exactly maxParts parts and refuses one more with 400', async () => {
    const parts = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `p${i}.txt`, content: 'x' }));
    expect((await upload(fs, A, parts(3))).status).toBe(200);
    await rawRequest(fs.url, 'POST', '/delete_many', as(COMPANY_A, 'admin'), Buffer.from(JSON.stringify({ files: ['p0.txt', 'p1.txt', 'p2.txt'] })));
    const res = await upload(fs, A, parts(4));
    expect([res.status, codeOf(res)]).toEqual([400, 'ERR_TOO_MANY_PARTS']);
    await nothingLeft();
  });

  it('counts plain fields as parts too', async () => {
    const res = await upload(fs, A, [
      { name: 'a.txt', content: 'x' },
      ...Array.from({ length: 3 }, (_, i) => ({ name: `f${i}`, content: 'v', filename: null })),
    ]);
    expect([res.status, codeOf(res)]).toEqual([400, 'ERR_TOO_MANY_PARTS']);
    await nothingLeft();
  });

  it('refuses a form field over maxFieldBytes with 400', async () => {
    const res = await upload(fs, A, [
      { name: 'note', content: 'x'.repeat(101), filename: null },
      { name: 'a.txt', content: 'x' },
    ]);
    expect([res.status, codeOf(res)]).toEqual([400, 'ERR_MULTIPART_LIMIT']);
    await nothingLeft();
  });

  it('refuses part headers over 16 KiB with 400', async () => {
    const res = await upload(fs, A, [{ name: 'a.txt', content: 'x', headers: [`X-Padding: ${'p'.repeat(17 * 1024)}`] }]);
    expect([res.status, codeOf(res)]).toEqual([400, 'ERR_MULTIPART_LIMIT']);
    await nothingLeft();
  });

  it.each([
    ['a JSON body', { 'Content-Type': 'application/json' }, Buffer.from('{}'), 400, 'ERR_BAD_REQUEST'],
    [
      'a form without its end',
      { 'Content-Type': multipart([]).contentType },
      multipart([{ name: 'a.txt', content: 'x' }]).body.subarray(0, 80),
      400,
      'ERR_UPLOAD_INCOMPLETE',
    ],
    ['a compressed body', { 'Content-Type': multipart([]).contentType, 'Content-Encoding': 'gzip' }, Buffer.from('x'), 415, 'ERR_UNSUPPORTED_ENCODING'],
  ])('refuses %s', async (_label, headers, body, status, code) => {
    const res = await rawRequest(fs.url, 'POST', '/', { ...A, ...headers }, body);
    expect([res.status, codeOf(res)]).toEqual([status, code]);
    await nothingLeft();
  });
});
