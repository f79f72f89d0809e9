import { COMPANY_A, COMPANY_B, as, rawRequest, startTestFileserver, upload, type TestFileserver } from './testing/test-fileserver';

const A = as(COMPANY_A);
const B = as(COMPANY_B);
const B_ADMIN = as(COMPANY_B, 'admin');

describe('fileserver tenant isolation', () => {
  let fs: TestFileserver;

  beforeEach(async () => {
    fs = await startTestFileserver();
    await upload(fs, A, [{ name: 'shared/name.txt', content: 'from A' }]);
  });
  afterEach(() => fs.close());

  it('keeps the same client path of two companies in two files', async () => {
    const res = await upload(fs, B, [{ name: 'shared/name.txt', content: 'from B' }]);
    expect(res.json()).toEqual(['shared/name.txt']);
    expect(await fs.content(`${COMPANY_A}/shared/name.txt`)).toBe('from A');
    expect(await fs.content(`${COMPANY_B}/shared/name.txt`)).toBe('from B');
    expect((await rawRequest(fs.url, 'GET', '/shared/name.txt', A)).body.toString()).toBe('from A');
    expect((await rawRequest(fs.url, 'GET', '/shared/name.txt', B)).body.toString()).toBe('from B');
  });

  it("does not let B read A's object", async () => {
    expect((await rawRequest(fs.url, 'GET', '/shared/name.txt', B)).status).toBe(404);
    expect((await rawRequest(fs.url, 'HEAD', '/shared/name.txt', B)).status).toBe(404);
  });

  it("does not let B reach A's folder by naming it", async () => {
    expect((await rawRequest(fs.url, 'GET', `/${COMPANY_A}/shared/name.txt`, B)).status).toBe(404);
    expect((await rawRequest(fs.url, 'GET', `/../${COMPANY_A}/shared/name.txt`, B)).status).toBe(400);
  });

  it("does not let B overwrite or delete A's object, even as an admin", async () => {
    await upload(fs, B, [{ name: 'shared/name.txt', content: 'overwrite?' }]);
    expect(await fs.objects(COMPANY_B)).toEqual(['shared/name.txt']);
    // B's own folder of the same name goes; A's stays.
    expect((await rawRequest(fs.url, 'DELETE', '/shared', B_ADMIN)).status).toBe(200);
    expect((await rawRequest(fs.url, 'DELETE', '/shared/name.txt', B_ADMIN)).status).toBe(404);
    const batch = await rawRequest(fs.url, 'POST', '/delete_many', B_ADMIN, Buffer.from(JSON.stringify({ files: ['shared/name.txt', 'shared'] })));
    expect(batch.json()).toEqual({ deleted: {}, errors: { 'Not found': ['shared/name.txt', 'shared'] } });
    expect(await fs.content(`${COMPANY_A}/shared/name.txt`)).toBe('from A');
    expect(await fs.objects()).toEqual([`${COMPANY_A}/shared/name.txt`]);
  });
});
