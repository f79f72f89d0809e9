import { mkdirSync, mkdtempSync, renameSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync, type BigIntStats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { DirectCalls } from './direct-calls';
import { LocalStorage } from './local-storage';
import { SMALL_FILE_MAX_BYTES, SmallFileCache } from './small-files';
import { socketPair } from './testing';

afterEach(() => jest.restoreAllMocks());

const stats = (ino: number, changes: Partial<Record<'size' | 'mtimeNs' | 'ctimeNs', bigint>> = {}) =>
  ({ dev: 1n, ino: BigInt(ino), size: 4n, mtimeNs: 1n, ctimeNs: 1n, isFile: () => true, ...changes }) as unknown as BigIntStats;

describe('SmallFileCache', () => {
  it('answers only while the stats show the same file unchanged, and forgets it otherwise', () => {
    const cache = new SmallFileCache();
    const content = Buffer.from('data');
    for (const changed of [stats(2), stats(1, { size: 5n }), stats(1, { mtimeNs: 2n }), stats(1, { ctimeNs: 2n })]) {
      cache.set('/f', stats(1), content);
      expect(cache.get('/f', stats(1))).toBe(content);
      expect(cache.get('/f', changed)).toBeUndefined();
      expect(cache.has('/f')).toBe(false);
    }
  });

  it('keeps at most its byte budget, the least recently used going first, and no large file', () => {
    const cache = new SmallFileCache(10);
    cache.set('/a', stats(1), Buffer.alloc(4));
    cache.set('/b', stats(2), Buffer.alloc(4));
    cache.get('/a', stats(1));
    cache.set('/c', stats(3), Buffer.alloc(4));
    expect(['/a', '/b', '/c'].filter((path) => cache.has(path))).toEqual(['/a', '/c']);
    const roomy = new SmallFileCache();
    roomy.set('/big', stats(4), Buffer.alloc(SMALL_FILE_MAX_BYTES + 1));
    expect(roomy.has('/big')).toBe(false);
  });
});

describe('LocalStorage with small files in memory', () => {
  let root: string;
  let storage: LocalStorage;
  const put = (key: string, content: string | Buffer) => storage.put(key, Readable.from([Buffer.from(content)]));
  const read = async (key: string, range?: { start: number; end: number }) => (await buffer(await storage.read(key, range))).toString();

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'warden-small-'));
    storage = new LocalStorage(root);
    await storage.cleanupTemp();
  });

  it('reads a small file once, then serves it from memory, whole, by range and to a socket', async () => {
    await put('t/a.txt', 'hello small world');
    // After the upload, whose folder fsync opens the folder through the same calls.
    const opens = jest.spyOn(DirectCalls.prototype, 'open');
    expect(await read('t/a.txt')).toBe('hello small world');
    expect(await read('t/a.txt', { start: 6, end: 10 })).toBe('small');
    const client = await socketPair();
    await (await storage.open('t/a.txt'))!.sendTo(client.sink, { start: 12, end: 16 });
    expect((await client.received()).toString()).toBe('world');
    expect(opens).toHaveBeenCalledTimes(1);
  });

  it('opens files over the limit every time', async () => {
    await put('t/big.bin', Buffer.alloc(SMALL_FILE_MAX_BYTES + 1, 7));
    const opens = jest.spyOn(DirectCalls.prototype, 'open');
    for (let i = 0; i < 3; i++) expect((await buffer(await storage.read('t/big.bin'))).length).toBe(SMALL_FILE_MAX_BYTES + 1);
    expect(opens).toHaveBeenCalledTimes(3);
  });

  it('never serves a replaced, rewritten or deleted file from memory', async () => {
    await put('t/v.txt', 'version 1');
    expect(await read('t/v.txt')).toBe('version 1');
    // An upload renames a new file over it: same size, another inode.
    await put('t/v.txt', 'version 2');
    expect(await read('t/v.txt')).toBe('version 2');
    // Rewritten in place by someone else, its modification time put back: the change time still moves.
    const path = join(root, 't', 'v.txt');
    const { atime, mtime } = statSync(path);
    writeFileSync(path, 'version 3');
    utimesSync(path, atime, mtime);
    expect(await read('t/v.txt')).toBe('version 3');
    expect((await storage.open('t/v.txt'))?.object.etag).toBe((await storage.stat('t/v.txt'))?.etag);
    unlinkSync(path);
    expect(await storage.open('t/v.txt')).toBeUndefined();
  });

  it('refuses a path that now leads through a link to another file, though it was read before', async () => {
    await put('t/d/x.txt', 'tenant file');
    expect(await read('t/d/x.txt')).toBe('tenant file');
    mkdirSync(join(root, 'other'));
    writeFileSync(join(root, 'other', 'x.txt'), 'other file!');
    renameSync(join(root, 't', 'd'), join(root, 't', 'd-moved'));
    symlinkSync(join(root, 'other'), join(root, 't', 'd'));
    await expect(storage.read('t/d/x.txt')).rejects.toMatchObject({ code: 'ERR_PATH_TRAVERSAL' });
  });

  it('gives a copy to a destination that is not a socket, so changing it changes nothing cached', async () => {
    await put('t/c.txt', 'cached bytes');
    await read('t/c.txt');
    // A reader that scribbles over every chunk it is handed.
    const scribble = (chunk: Buffer) => chunk.fill(0);
    const sink = new PassThrough().on('data', scribble);
    await (await storage.open('t/c.txt'))!.sendTo(sink);
    (await storage.read('t/c.txt')).on('data', scribble);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await read('t/c.txt')).toBe('cached bytes');
  });
});
