import { COMPANY_A, as, multipart, rawRequest, startTestFileserver, upload, type TestFileserver } from './testing/test-fileserver';

describe('fileserver upload and download', () => {
  let fs: TestFileserver;
  const A = as(COMPANY_A);

  beforeEach(async () => {
    fs = await startTestFileserver();
  });
  afterEach(() => fs.close());

  it('answers the ping without credentials', async () => {
    const res = await rawRequest(fs.url, 'GET', '/');
    expect([res.status, res.body.toString()]).toEqual([200, 'OK']);
  });

  it('stores one part under its field name and answers the stored paths as ClearML does', async () => {
    const res = await upload(fs, A, [{ name: 'proj/task.1/artifacts/data.json', content: '{"a":1}' }]);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual(['proj/task.1/artifacts/data.json']);
    expect(await fs.content(`${COMPANY_A}/proj/task.1/artifacts/data.json`)).toBe('{"a":1}');
  });

  it('tells the storage how long the request is, so a small body can be written in one durable call, and answers without an ETag', async () => {
    const stage = jest.spyOn(fs.storage, 'stage');
    const parts = [{ name: 'small.txt', content: 'tiny' }];
    const res = await upload(fs, A, parts);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['etag']).toBeUndefined();
    const hint = stage.mock.calls[0][2]?.expectedBytes;
    expect(hint).toBe(multipart(parts).body.length);
  });

  it('takes a part name with leading slashes, as the ClearML SDK sends it, relative to the tenant folder', async () => {
    const res = await upload(fs, A, [
      { name: '/proj/task.1/artifacts/payload/payload.bin', content: 'sdk' },
      { name: '//etc/cron.d/evil', content: 'contained' },
    ]);
    expect(res.json()).toEqual(['proj/task.1/artifacts/payload/payload.bin', 'etc/cron.d/evil']);
    expect(await fs.objects()).toEqual([`${COMPANY_A}/etc/cron.d/evil`, `${COMPANY_A}/proj/task.1/artifacts/payload/payload.bin`]);
    expect((await rawRequest(fs.url, 'GET', '/proj/task.1/artifacts/payload/payload.bin', A)).body.toString()).toBe('sdk');
  });

  it('stores several parts, nested and not, in one request', async () => {
    const res = await upload(fs, A, [
      { name: 'a.txt', content: 'A' },
      { name: 'deep/er/b.bin', content: Buffer.from([0, 1, 2]) },
      { name: 'ünïcode/файл.txt', content: 'u' },
    ]);
    expect(res.json()).toEqual(['a.txt', 'deep/er/b.bin', 'ünïcode/файл.txt']);
    expect(await fs.objects(COMPANY_A)).toEqual(['a.txt', 'deep/er/b.bin', 'ünïcode/файл.txt']);
    const download = await rawRequest(fs.url, 'GET', `/${encodeURIComponent('ünïcode')}/${encodeURIComponent('файл.txt')}`, A);
    expect(download.body.toString()).toBe('u');
  });

  it('ignores plain form fields and nameless parts, as ClearML does', async () => {
    const res = await upload(fs, A, [
      { name: 'note', content: 'not a file', filename: null },
      { name: '', content: 'nameless' },
      { name: 'real.txt', content: 'r' },
    ]);
    expect(res.json()).toEqual(['real.txt']);
    expect(await fs.objects(COMPANY_A)).toEqual(['real.txt']);
  });

  it('replaces an object with a new version', async () => {
    await upload(fs, A, [{ name: 'x.txt', content: 'one' }]);
    await upload(fs, A, [{ name: 'x.txt', content: 'two' }]);
    expect((await rawRequest(fs.url, 'GET', '/x.txt', A)).body.toString()).toBe('two');
  });

  describe('download', () => {
    beforeEach(async () => {
      await upload(fs, A, [{ name: 'dir/file.txt', content: '0123456789' }]);
    });

    it('sends the whole object with type, length and validators', async () => {
      const res = await rawRequest(fs.url, 'GET', '/dir/file.txt', A);
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe('0123456789');
      expect(res.headers).toMatchObject({ 'content-type': 'text/plain; charset=utf-8', 'content-length': '10', 'accept-ranges': 'bytes' });
      expect(res.headers.etag).toMatch(/^"/);
      expect(new Date(res.headers['last-modified'] ?? '').getTime()).toBeGreaterThan(0);
    });

    it('defaults to application/octet-stream and never serves a .gz as an encoding', async () => {
      await upload(fs, A, [
        { name: 'model.pkl', content: 'p' },
        { name: 'log.json.gz', content: 'g' },
      ]);
      expect((await rawRequest(fs.url, 'GET', '/model.pkl', A)).headers['content-type']).toBe('application/octet-stream');
      const gz = await rawRequest(fs.url, 'GET', '/log.json.gz', A);
      expect([gz.headers['content-type'], gz.headers['content-encoding']]).toEqual(['application/octet-stream', undefined]);
    });

    it('sandboxes pages a browser would run', async () => {
      await upload(fs, A, [{ name: 'plot.html', content: '<script>alert(1)</script>' }]);
      const res = await rawRequest(fs.url, 'GET', '/plot.html', A);
      expect(res.headers['content-security-policy']).toMatch(/sandbox allow-scripts$/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });

    it.each([
      ['bytes=2-5', 206, '2345', 'bytes 2-5/10'],
      ['bytes=7-', 206, '789', 'bytes 7-9/10'],
      ['bytes=-3', 206, '789', 'bytes 7-9/10'],
      ['bytes=-50', 206, '0123456789', 'bytes 0-9/10'],
      ['bytes=8-100', 206, '89', 'bytes 8-9/10'],
      ['bytes=0-1,4-5', 200, '0123456789', undefined],
      ['items=0-1', 200, '0123456789', undefined],
      ['bytes=5-2', 200, '0123456789', undefined],
    ])('answers Range %s with %i', async (range, status, body, contentRange) => {
      const res = await rawRequest(fs.url, 'GET', '/dir/file.txt', { ...A, Range: range });
      expect([res.status, res.body.toString(), res.headers['content-range']]).toEqual([status, body, contentRange]);
      expect(res.headers['content-length']).toBe(String(body.length));
    });

    it.each(['bytes=10-', 'bytes=10-20', 'bytes=-0'])('answers the unsatisfiable Range %s with 416 and the size', async (range) => {
      const res = await rawRequest(fs.url, 'GET', '/dir/file.txt', { ...A, Range: range });
      expect(res.status).toBe(416);
      expect(res.headers['content-range']).toBe('bytes */10');
      expect((res.json() as { meta: { error_data: { code: string } } }).meta.error_data.code).toBe('ERR_RANGE_NOT_SATISFIABLE');
    });

    it('sends the whole object when If-Range no longer matches', async () => {
      const res = await rawRequest(fs.url, 'GET', '/dir/file.txt', { ...A, Range: 'bytes=0-1', 'If-Range': '"stale"' });
      expect([res.status, res.body.toString()]).toEqual([200, '0123456789']);
    });

    it('answers conditional requests with 304 while the object is unchanged', async () => {
      const first = await rawRequest(fs.url, 'GET', '/dir/file.txt', A);
      const etag = first.headers.etag ?? '';
      const lastModified = first.headers['last-modified'] ?? '';
      expect((await rawRequest(fs.url, 'GET', '/dir/file.txt', { ...A, 'If-None-Match': etag })).status).toBe(304);
      expect((await rawRequest(fs.url, 'GET', '/dir/file.txt', { ...A, 'If-None-Match': `"other", W/${etag}` })).status).toBe(304);
      expect((await rawRequest(fs.url, 'GET', '/dir/file.txt', { ...A, 'If-Modified-Since': lastModified })).status).toBe(304);
      expect((await rawRequest(fs.url, 'GET', '/dir/file.txt', { ...A, 'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status).toBe(200);
      // If-None-Match decides when both are sent.
      expect((await rawRequest(fs.url, 'GET', '/dir/file.txt', { ...A, 'If-None-Match': '"other"', 'If-Modified-Since': lastModified })).status).toBe(200);
      await upload(fs, A, [{ name: 'dir/file.txt', content: 'changed' }]);
      const after = await rawRequest(fs.url, 'GET', '/dir/file.txt', { ...A, 'If-None-Match': etag });
      expect([after.status, after.body.toString()]).toEqual([200, 'changed']);
    });

    it('offers a download with a safely encoded file name on ?download', async () => {
      await upload(fs, A, [{ name: "dir/it's na;me\u00e9 100%.txt", content: 'w' }]);
      const res = await rawRequest(fs.url, 'GET', `/dir/${encodeURIComponent("it's na;me\u00e9 100%.txt")}?download`, A);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="it's na;me_ 100_.txt"; filename*=UTF-8''it%27s%20na%3Bme%C3%A9%20100%25.txt`);
      expect((await rawRequest(fs.url, 'GET', '/dir/file.txt', A)).headers['content-disposition']).toBeUndefined();
    });

    it('answers HEAD with the headers and no body', async () => {
      const res = await rawRequest(fs.url, 'HEAD', '/dir/file.txt', A);
      expect([res.status, res.headers['content-length'], res.body.length]).toEqual([200, '10', 0]);
    });

    it('answers a missing object, or a folder, with 404', async () => {
      expect((await rawRequest(fs.url, 'GET', '/dir/missing.txt', A)).status).toBe(404);
      expect((await rawRequest(fs.url, 'GET', '/dir', A)).status).toBe(404);
    });

    it('refuses a caller authorize turns away', async () => {
      const res = await rawRequest(fs.url, 'GET', '/dir/file.txt');
      expect(res.status).toBe(401);
      const up = await upload(fs, {}, [{ name: 'x', content: 'x' }]);
      expect(up.status).toBe(401);
      expect(await fs.objects(COMPANY_A)).toEqual(['dir/file.txt']);
    });
  });
});
