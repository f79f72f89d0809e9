import { COMPANY_A, TEST_LIMITS, as, rawRequest, startTestFileserver, upload, type TestFileserver } from './testing/test-fileserver';

const A = as(COMPANY_A);
const ADMIN = as(COMPANY_A, 'admin');
const json = (body: unknown) => Buffer.from(JSON.stringify(body));

describe('fileserver delete', () => {
  let fs: TestFileserver;

  beforeEach(async () => {
    fs = await startTestFileserver();
    await upload(fs, A, [
      { name: 'keep.txt', content: 'k' },
      { name: 'run/a.txt', content: 'a' },
      { name: 'run/sub/b.txt', content: 'b' },
      { name: 'with space.txt', content: 's' },
    ]);
  });
  afterEach(() => fs.close());

  const files = () => fs.objects(COMPANY_A);

  it('deletes one object and answers its path as a JSON string', async () => {
    const res = await rawRequest(fs.url, 'DELETE', '/run/a.txt', A);
    expect([res.status, res.json()]).toEqual([200, 'run/a.txt']);
    expect(await files()).toEqual(['keep.txt', 'run/sub/b.txt', 'with space.txt']);
    expect((await rawRequest(fs.url, 'DELETE', '/run/a.txt', A)).status).toBe(404);
  });

  it('deletes a folder only for an admin', async () => {
    const refused = await rawRequest(fs.url, 'DELETE', '/run', A);
    expect(refused.status).toBe(403);
    expect(await files()).toContain('run/a.txt');
    const res = await rawRequest(fs.url, 'DELETE', '/run', ADMIN);
    expect([res.status, res.json()]).toEqual([200, 'run']);
    expect(await files()).toEqual(['keep.txt', 'with space.txt']);
  });

  it('deletes many, URL-decoded, answering deleted and errors as ClearML does', async () => {
    const res = await rawRequest(
      fs.url,
      'POST',
      '/delete_many',
      { ...A, 'Content-Type': 'text/plain' },
      json({ files: ['run/a.txt', 'with+space.txt', 'missing.txt', '/', '../keep.txt'] }),
    );
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      deleted: { 'run/a.txt': 'run/a.txt', 'with+space.txt': 'with space.txt' },
      errors: { 'Not found': ['missing.txt'], 'Empty path not allowed': ['/'], 'path contains a ".." segment': ['../keep.txt'] },
    });
    expect(await files()).toEqual(['keep.txt', 'run/sub/b.txt']);
  });

  it('answers a file named __proto__ in the batch as any other name', async () => {
    await upload(fs, A, [{ name: '__proto__', content: 'p' }]);
    const res = await rawRequest(fs.url, 'POST', '/delete_many', A, json({ files: ['__proto__', 'constructor'] }));
    expect(res.body.toString()).toBe('{"deleted":{"__proto__":"__proto__"},"errors":{"Not found":["constructor"]}}');
    expect(await files()).not.toContain('__proto__');
  });

  it('deletes folders in a batch only for an admin', async () => {
    const user = await rawRequest(fs.url, 'POST', '/delete_many', A, json({ files: ['run'] }));
    expect(user.json()).toEqual({ deleted: {}, errors: { 'Deleting a folder requires the admin role': ['run'] } });
    expect(await files()).toContain('run/a.txt');
    const admin = await rawRequest(fs.url, 'POST', '/delete_many', ADMIN, json({ files: ['run'] }));
    expect(admin.json()).toEqual({ deleted: { run: 'run' }, errors: {} });
    expect(await files()).toEqual(['keep.txt', 'with space.txt']);
  });

  it.each([
    ['no body', Buffer.from(''), 400],
    ['no files', json({}), 400],
    ['an empty list', json({ files: [] }), 400],
    ['bad JSON', Buffer.from('{"files":'), 400],
    ['a __proto__ key', Buffer.from('{"files": ["keep.txt"], "__proto__": {"files": ["run/a.txt"]}}'), 400],
  ])('refuses a batch with %s', async (_label, body, status) => {
    expect((await rawRequest(fs.url, 'POST', '/delete_many', A, body)).status).toBe(status);
    expect(await files()).toHaveLength(4);
  });

  it('refuses a batch over the entry cap with 400 and deletes nothing; a batch at the cap runs', async () => {
    const capped = await startTestFileserver({ limits: { ...TEST_LIMITS, maxBatchDelete: 3 } });
    try {
      await upload(
        capped,
        A,
        ['a', 'b', 'c', 'd'].map((n) => ({ name: `${n}.txt`, content: n })),
      );
      const over = await rawRequest(capped.url, 'POST', '/delete_many', A, json({ files: ['a.txt', 'b.txt', 'c.txt', 'd.txt'] }));
      expect(over.status).toBe(400);
      expect(over.json()).toMatchObject({ meta: { error_data: { code: 'ERR_BATCH_TOO_LARGE' }, result_msg: expect.stringContaining('at most 3 files') } });
      expect(await capped.objects(COMPANY_A)).toEqual(['a.txt', 'b.txt', 'c.txt', 'd.txt']);
      const at = await rawRequest(capped.url, 'POST', '/delete_many', A, json({ files: ['a.txt', 'b.txt', 'c.txt'] }));
      expect([at.status, Object.keys((at.json() as { deleted: object }).deleted)]).toEqual([200, ['a.txt', 'b.txt', 'c.txt']]);
      expect(await capped.objects(COMPANY_A)).toEqual(['d.txt']);
    } finally {
      await capped.close();
    }
  });

  it('refuses batches when batch delete is turned off', async () => {
    const off = await startTestFileserver({ allowBatchDelete: false });
    try {
      await upload(off, A, [{ name: 'x.txt', content: 'x' }]);
      const res = await rawRequest(off.url, 'POST', '/delete_many', A, json({ files: ['x.txt'] }));
      expect(res.status).toBe(403);
      expect(res.json()).toMatchObject({ meta: { error_data: { code: 'ERR_BATCH_DELETE_DISABLED' }, result_msg: expect.stringContaining('allow_batch') } });
      expect(await off.objects(COMPANY_A)).toEqual(['x.txt']);
    } finally {
      await off.close();
    }
  });
});
