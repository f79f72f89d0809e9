import { mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write';
import { UploadLedger, defaultLedgerPath } from './upload-ledger';

const entry = (remotePath: string, size = 1) => ({ filesHost: 'http://f', remotePath, size, uploadedAt: '2025-01-01T00:00:00.000Z' });

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'warden-ledger-'));
}

describe('UploadLedger', () => {
  it('lives at ~/.warden/uploads.json by default', () => {
    expect(defaultLedgerPath('/home/ada')).toBe('/home/ada/.warden/uploads.json');
  });

  it('lists nothing before the first upload', async () => {
    await expect(new UploadLedger(join(dir(), 'none.json')).list()).resolves.toEqual([]);
  });

  it('records, replaces by host and path, and removes', async () => {
    const ledger = new UploadLedger(join(dir(), 'nested', 'uploads.json'));
    await ledger.record([entry('a'), entry('b')]);
    await ledger.record([entry('a', 99), { ...entry('a'), filesHost: 'http://other' }]);
    expect((await ledger.list()).map((e) => [e.filesHost, e.remotePath, e.size])).toEqual([
      ['http://f', 'b', 1],
      ['http://f', 'a', 99],
      ['http://other', 'a', 1],
    ]);
    await ledger.remove('http://f', ['a', 'b']);
    expect((await ledger.list()).map((e) => e.filesHost)).toEqual(['http://other']);
  });

  it('keeps the file private to the user', async () => {
    const path = join(dir(), 'uploads.json');
    await new UploadLedger(path).record([entry('a')]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('says which file is corrupt instead of overwriting it', async () => {
    const path = join(dir(), 'uploads.json');
    writeFileSync(path, '{"uploads": [');
    const ledger = new UploadLedger(path);
    await expect(ledger.record([entry('a')])).rejects.toThrow(`the upload ledger ${path} is not valid JSON`);
    expect(readFileSync(path, 'utf8')).toBe('{"uploads": [');
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file by rename: a reader holding the old file still reads it whole', async () => {
    const path = join(dir(), 'uploads.json');
    await writeFileAtomic(path, 'old content');
    const before = statSync(path).ino;
    const fd = openSync(path, 'r');
    await writeFileAtomic(path, 'new content, longer than the old one');
    const buffer = Buffer.alloc(64);
    const read = readSync(fd, buffer, 0, 64, 0);
    expect(buffer.subarray(0, read).toString()).toBe('old content');
    expect(statSync(path).ino).not.toBe(before);
    expect(readFileSync(path, 'utf8')).toBe('new content, longer than the old one');
  });

  it('leaves no temp file behind when the rename fails', async () => {
    const folder = dir();
    const target = join(folder, 'uploads.json');
    mkdirSync(join(target, 'occupied'), { recursive: true }); // a non-empty folder cannot be renamed over
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow();
    expect(readdirSync(folder)).toEqual(['uploads.json']);
  });
});
