import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TEMP_DIR_NAME } from '@warden/storage';
import { TEST_STORAGE_BACKEND } from '@warden/storage/testing';
import { validateObjectPath } from './object-path';
import { COMPANY_A, as, rawRequest, startTestFileserver, upload, walk, type TestFileserver } from './testing/test-fileserver';

const A = as(COMPANY_A);
const long = (n: number) => 'x'.repeat(n);

/** Hostile URL paths, sent byte for byte, and the code each must get. */
const URL_PATHS: Array<[string, string]> = [
  ['/../outside.txt', 'ERR_PATH_TRAVERSAL'],
  ['/a/../../outside.txt', 'ERR_PATH_TRAVERSAL'],
  ['/a/b/../../../outside.txt', 'ERR_PATH_TRAVERSAL'],
  ['/..', 'ERR_PATH_TRAVERSAL'],
  ['/%2e%2e/outside.txt', 'ERR_PATH_TRAVERSAL'],
  ['/%2E%2E/outside.txt', 'ERR_PATH_TRAVERSAL'],
  ['/.%2e/outside.txt', 'ERR_PATH_TRAVERSAL'],
  ['/a%2f..%2f..%2foutside.txt', 'ERR_PATH_TRAVERSAL'],
  ['/a%2F..%2F..%2Foutside.txt', 'ERR_PATH_TRAVERSAL'],
  ['/..%5coutside.txt', 'ERR_PATH_TRAVERSAL'],
  ['/a%5c..%5c..%5coutside.txt', 'ERR_PATH_TRAVERSAL'],
  ['/%252e%252e/outside.txt', 'ERR_PATH_TRAVERSAL'],
  ['/%252e%252e%252foutside.txt', 'ERR_PATH_TRAVERSAL'],
  ['/%25252e%25252e/outside.txt', 'ERR_PATH_TRAVERSAL'],
  ['//etc/passwd', 'ERR_PATH_TRAVERSAL'],
  ['/%2fetc/passwd', 'ERR_PATH_TRAVERSAL'],
  ['/a\\..\\..\\outside.txt', 'ERR_PATH_TRAVERSAL'],
  ['/a/%00.txt', 'ERR_PATH_TRAVERSAL'],
  ['/a/%01b.txt', 'ERR_PATH_INVALID'],
  ['/a/b%0a.txt', 'ERR_PATH_INVALID'],
  ['/a/b%7f.txt', 'ERR_PATH_INVALID'],
  ['/a//b.txt', 'ERR_PATH_INVALID'],
  ['/a/./b.txt', 'ERR_PATH_INVALID'],
  ['/a/b/', 'ERR_PATH_INVALID'],
  ['/a/%zz.txt', 'ERR_PATH_INVALID'],
  ['/a/%c3%28.txt', 'ERR_PATH_INVALID'],
  [`/${TEMP_DIR_NAME}/x.part`, 'ERR_PATH_INVALID'],
  [`/a/${TEMP_DIR_NAME}/x`, 'ERR_PATH_INVALID'],
  [`/${long(256)}`, 'ERR_PATH_TOO_LONG'],
  [`/${Array.from({ length: 12 }, () => long(100)).join('/')}`, 'ERR_PATH_TOO_LONG'],
];

/** Hostile multipart field names, taken literally as ClearML takes them. */
const FIELD_NAMES: Array<[string, string]> = [
  ['../outside.txt', 'ERR_PATH_TRAVERSAL'],
  ['a/../../outside.txt', 'ERR_PATH_TRAVERSAL'],
  ['..', 'ERR_PATH_TRAVERSAL'],
  ['/../outside.txt', 'ERR_PATH_TRAVERSAL'],
  ['..\\outside.txt', 'ERR_PATH_TRAVERSAL'],
  ['%2e%2e/outside.txt', 'ERR_PATH_TRAVERSAL'],
  ['a%2f..%2foutside.txt', 'ERR_PATH_TRAVERSAL'],
  ['%252e%252e/outside.txt', 'ERR_PATH_TRAVERSAL'],
  ['a//b.txt', 'ERR_PATH_INVALID'],
  ['./a.txt', 'ERR_PATH_INVALID'],
  [`${TEMP_DIR_NAME}/x.part`, 'ERR_PATH_INVALID'],
  [long(256), 'ERR_PATH_TOO_LONG'],
  // busboy itself refuses control bytes in a part header.
  ['a/b\u0001.txt', 'ERR_MULTIPART_LIMIT'],
];

describe('validateObjectPath', () => {
  it.each([['a.txt'], ['project/task.1/artifacts/model.pkl'], ['ünïcode/файл 100%.txt'], ['..a/b..c/...d'], [long(255)]])('accepts %j unchanged', (path) => {
    expect(validateObjectPath(path)).toBe(path);
  });

  it.each([...FIELD_NAMES.slice(0, -1), ['a/b\u0001.txt', 'ERR_PATH_INVALID'], ['', 'ERR_PATH_INVALID'], ['a/\0', 'ERR_PATH_INVALID']])(
    'refuses %j with %s',
    (path, code) => {
      expect(() => validateObjectPath(path)).toThrow(expect.objectContaining({ code, status: 400 }));
    },
  );

  it('bounds the whole path by maxPathBytes, counting UTF-8 bytes', () => {
    expect(validateObjectPath('é'.repeat(50), 100)).toHaveLength(50);
    expect(() => validateObjectPath('é'.repeat(51), 100)).toThrow(expect.objectContaining({ code: 'ERR_PATH_TOO_LONG' }));
  });
});

describe('fileserver path safety', () => {
  let fs: TestFileserver;

  beforeAll(async () => {
    fs = await startTestFileserver();
    await upload(fs, A, [{ name: 'legit.txt', content: 'legit' }]);
  });
  afterAll(() => fs.close());

  it('has at least 25 hostile URL paths', () => {
    expect(URL_PATHS.length + FIELD_NAMES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(URL_PATHS)('refuses GET, DELETE of %j with %s', async (path, code) => {
    for (const method of ['GET', 'DELETE']) {
      const res = await rawRequest(fs.url, method, path, A);
      expect([method, res.status, (res.json() as { meta: { error_data: { code: string } } }).meta.error_data.code]).toEqual([method, 400, code]);
    }
  });

  it.each(FIELD_NAMES)('refuses an upload to %j with %s', async (name, code) => {
    const res = await upload(fs, A, [
      { name: 'fine-before.txt', content: 'staged, then dropped' },
      { name, content: 'pwned' },
    ]);
    expect([res.status, (res.json() as { meta: { error_data: { code: string } } }).meta.error_data.code]).toEqual([400, code]);
  });

  it('refuses hostile names in a batch delete, one by one', async () => {
    const files = ['../legit.txt', '%2e%2e/legit.txt', '%252e%252e%252flegit.txt', `${TEMP_DIR_NAME}/x`];
    const res = await rawRequest(fs.url, 'POST', '/delete_many', A, Buffer.from(JSON.stringify({ files })));
    const body = res.json() as { deleted: object; errors: Record<string, string[]> };
    expect(body.deleted).toEqual({});
    expect(Object.values(body.errors).flat().sort()).toEqual([...files].sort());
  });

  it('left nothing anywhere but the one legitimate object', async () => {
    // Everything the hostile paths aimed at, from the tenant folder upwards.
    for (const target of [
      join(fs.root, 'outside.txt'),
      join(dirname(fs.root), 'outside.txt'),
      join(dirname(dirname(fs.root)), 'outside.txt'),
      '/etc/cron.d/evil',
    ]) {
      expect([target, existsSync(target)]).toEqual([target, false]);
    }
    expect(await fs.objects()).toEqual([`${COMPANY_A}/legit.txt`]);
    expect(await fs.content(`${COMPANY_A}/legit.txt`)).toBe('legit');
  });
});

// Links exist only on the local backend; S3 has no way to plant one.
(TEST_STORAGE_BACKEND === 'local' ? describe : describe.skip)('fileserver and a planted symbolic link', () => {
  let fs: TestFileserver;
  let outside: string;

  beforeAll(async () => {
    fs = await startTestFileserver();
    outside = mkdtempSync(join(tmpdir(), 'warden-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    mkdirSync(join(fs.root, COMPANY_A));
    symlinkSync(outside, join(fs.root, COMPANY_A, 'escape'));
  });
  afterAll(() => fs.close());

  it('refuses to read through it', async () => {
    const res = await rawRequest(fs.url, 'GET', '/escape/secret.txt', A);
    expect([res.status, (res.json() as { meta: { error_data: { code: string } } }).meta.error_data.code]).toEqual([400, 'ERR_PATH_TRAVERSAL']);
    expect(res.body.toString()).not.toContain('secret"');
  });

  it('refuses to write or delete through it', async () => {
    expect((await upload(fs, A, [{ name: 'escape/secret.txt', content: 'pwned' }])).status).toBe(400);
    expect((await upload(fs, A, [{ name: 'escape/new/file.txt', content: 'pwned' }])).status).toBe(400);
    expect((await rawRequest(fs.url, 'DELETE', '/escape/secret.txt', A)).status).toBe(400);
    expect(walk(outside)).toEqual(['secret.txt']);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    expect(walk(join(fs.root, TEMP_DIR_NAME))).toEqual([]);
  });
});
