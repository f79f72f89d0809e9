import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { LocalStorage } from './local-storage';
import { TEMP_DIR_NAME } from './object-key';

// The module object the implementation calls into, so a spy sees which way each call went.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fs = require('node:fs') as typeof import('node:fs');

function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'warden-storage-'));
}

const body = (content: string) => Readable.from([Buffer.from(content)]);
const tempFiles = (root: string) => readdirSync(join(root, TEMP_DIR_NAME));

function readlinkOrEmpty(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    // closed since the listing
    return '';
  }
}

describe('LocalStorage', () => {
  it('puts an object under nested folders and reads it back whole and by range', async () => {
    const root = tempRoot();
    const storage = new LocalStorage(root);
    const stored = await storage.put('a/b/c.txt', body('hello world'));
    expect(stored).toMatchObject({ key: 'a/b/c.txt', size: 11 });
    expect(stored.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(readFileSync(join(root, 'a/b/c.txt'), 'utf8')).toBe('hello world');
    expect(await text(await storage.read('a/b/c.txt'))).toBe('hello world');
    expect(await text(await storage.read('a/b/c.txt', { start: 6, end: 10 }))).toBe('world');
    expect(await storage.stat('a/b/c.txt')).toEqual(stored);
    expect(tempFiles(root)).toEqual([]);
  });

  it('gives a new etag when an object is replaced', async () => {
    const storage = new LocalStorage(tempRoot());
    const first = await storage.put('x', body('one'));
    const second = await storage.put('x', body('two'));
    expect(second.etag).not.toBe(first.etag);
  });

  it('answers undefined or false for what does not exist, and throws ERR_NOT_FOUND on read', async () => {
    const storage = new LocalStorage(tempRoot());
    await storage.put('dir/file', body('x'));
    expect(await storage.stat('missing')).toBeUndefined();
    expect(await storage.stat('dir')).toBeUndefined();
    expect(await storage.stat('dir/file/below')).toBeUndefined();
    expect(await storage.open('dir')).toBeUndefined();
    expect(await storage.delete('missing')).toBe(false);
    expect(await storage.delete('dir')).toBe(false);
    await expect(storage.read('missing')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('deletes objects and folders, counting the objects', async () => {
    const root = tempRoot();
    const storage = new LocalStorage(root);
    await storage.put('d/1', body('1'));
    await storage.put('d/e/2', body('2'));
    await storage.put('keep', body('k'));
    expect(await storage.isFolder('d')).toBe(true);
    expect(await storage.isFolder('keep')).toBe(false);
    expect(await storage.delete('keep')).toBe(true);
    expect(await storage.deletePrefix('d')).toBe(2);
    expect(await storage.deletePrefix('d')).toBe(0);
    expect(readdirSync(root)).toEqual([TEMP_DIR_NAME]);
  });

  it('refuses a body over maxBytes and leaves neither object nor temp file', async () => {
    const root = tempRoot();
    const storage = new LocalStorage(root);
    await expect(storage.put('big', body('x'.repeat(100)), { maxBytes: 10 })).rejects.toMatchObject({ code: 'ERR_PAYLOAD_TOO_LARGE' });
    expect(await storage.stat('big')).toBeUndefined();
    expect(tempFiles(root)).toEqual([]);
  });

  it('answers ERR_STORAGE_FULL when the disk is full, keeping the previous version and no temp file', async () => {
    const root = tempRoot();
    const storage = new LocalStorage(root);
    await storage.put('model.bin', body('version one'));
    // What a full disk does to a write: the write stream fails with ENOSPC.
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const write = jest.spyOn(fs, 'write').mockImplementation((...args: unknown[]) => (args.at(-1) as (error: Error) => void)(full));
    const writev = jest.spyOn(fs, 'writev').mockImplementation((...args: unknown[]) => (args.at(-1) as (error: Error) => void)(full));
    try {
      await expect(storage.put('model.bin', body('version two'))).rejects.toMatchObject({ code: 'ERR_STORAGE_FULL', status: 507 });
    } finally {
      write.mockRestore();
      writev.mockRestore();
    }
    expect(readFileSync(join(root, 'model.bin'), 'utf8')).toBe('version one');
    expect(tempFiles(root)).toEqual([]);
  });

  it('sends a large body to disk every 8 MiB while it arrives, and a small one only at the end', async () => {
    const root = tempRoot();
    const storage = new LocalStorage(root);
    const fdatasync = jest.spyOn(fs, 'fdatasync');
    try {
      const chunks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(512 * 1024, i));
      await storage.put('large.bin', Readable.from(chunks));
      expect(fdatasync.mock.calls.length).toBeGreaterThanOrEqual(1);
      expect(fdatasync.mock.calls.length).toBeLessThanOrEqual(2);
      expect(readFileSync(join(root, 'large.bin')).equals(Buffer.concat(chunks))).toBe(true);
      fdatasync.mockClear();
      await storage.put('small.bin', body('small'));
      expect(fdatasync).not.toHaveBeenCalled();
      expect(tempFiles(root)).toEqual([]);
    } finally {
      fdatasync.mockRestore();
    }
  });

  it('writes a body announced small with O_DSYNC instead of an fsync, and any other with an fsync', async () => {
    const root = tempRoot();
    const storage = new LocalStorage(root);
    const fsync = jest.spyOn(fs, 'fsync');
    /** The open flags of the temp file being written, read from /proc while its body is still open. */
    const flagsWhileWriting = async (key: string, expectedBytes: number | undefined, content: string) => {
      const source = new PassThrough();
      const staging = storage.stage(key, source, { expectedBytes });
      source.write(content);
      let flags: number | undefined;
      for (let tries = 0; flags === undefined && tries < 200; tries++) {
        await new Promise((r) => setTimeout(r, 5));
        const fd = readdirSync('/proc/self/fd').find((n) => readlinkOrEmpty(`/proc/self/fd/${n}`).startsWith(join(root, TEMP_DIR_NAME)));
        if (fd) flags = parseInt(/flags:\s+([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '', 8);
      }
      source.end();
      await (await staging).commit();
      expect(readFileSync(join(root, key), 'utf8')).toBe(content);
      // A file never seen open must fail the test, not read as "no O_DSYNC".
      expect(flags).toBeDefined();
      return flags ?? NaN;
    };
    try {
      expect((await flagsWhileWriting('small.bin', 5, 'small')) & fs.constants.O_DSYNC).toBe(fs.constants.O_DSYNC);
      expect(fsync).not.toHaveBeenCalled();
      // A hint, not a limit: more than announced is stored whole, still written synchronously.
      expect((await flagsWhileWriting('more.bin', 2, 'more than two')) & fs.constants.O_DSYNC).toBe(fs.constants.O_DSYNC);
      expect((await flagsWhileWriting('unknown.bin', undefined, 'no length')) & fs.constants.O_DSYNC).toBe(0);
      expect(fsync).toHaveBeenCalledTimes(1);
      expect((await flagsWhileWriting('large.bin', 1024 * 1024, 'announced large')) & fs.constants.O_DSYNC).toBe(0);
      expect(fsync).toHaveBeenCalledTimes(2);
    } finally {
      fsync.mockRestore();
    }
  });

  it('closes and renames an upload directly while the storage answers fast, leaving the pool its writes and fsyncs', async () => {
    const root = tempRoot();
    const storage = new LocalStorage(root);
    await storage.put('warm/up.bin', body('first'));
    const spies = ['close', 'closeSync', 'rename', 'renameSync', 'write', 'writev'].map((name) => jest.spyOn(fs, name as 'close'));
    const pooledRename = jest.spyOn(fs.promises, 'rename');
    try {
      await storage.put('warm/up.bin', body('second'), { expectedBytes: 6 });
      const [close, closeSync, rename, renameSync, write, writev] = spies;
      expect(readFileSync(join(root, 'warm', 'up.bin'), 'utf8')).toBe('second');
      // The temp file and the folder fsynced after the rename.
      expect(closeSync).toHaveBeenCalledTimes(2);
      expect(renameSync).toHaveBeenCalledWith(expect.stringContaining(join(root, TEMP_DIR_NAME)), join(root, 'warm', 'up.bin'));
      expect(close).not.toHaveBeenCalled();
      expect(rename).not.toHaveBeenCalled();
      expect(pooledRename).not.toHaveBeenCalled();
      expect(write.mock.calls.length + writev.mock.calls.length).toBe(1);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('replaces a large file through the pool: the rename frees its blocks before it returns', async () => {
    const root = tempRoot();
    const storage = new LocalStorage(root);
    const large = Buffer.alloc(64 * 1024 + 1, 3);
    await storage.put('t/large.bin', Readable.from([large]));
    await storage.put('t/small.bin', Readable.from([Buffer.alloc(64 * 1024, 4)]));
    const renameSync = jest.spyOn(fs, 'renameSync');
    const pooled = jest.spyOn(fs.promises, 'rename');
    try {
      await storage.put('t/large.bin', body('now small'));
      expect(pooled).toHaveBeenCalledWith(expect.stringContaining(join(root, TEMP_DIR_NAME)), join(root, 't', 'large.bin'));
      expect(renameSync).not.toHaveBeenCalled();
      // What replaced it is small, and so is a file of exactly 64 KiB.
      await storage.put('t/large.bin', Readable.from([large]));
      await storage.put('t/small.bin', body('smaller'));
      expect(renameSync).toHaveBeenCalledTimes(2);
      expect(pooled).toHaveBeenCalledTimes(1);
      expect(readFileSync(join(root, 't', 'large.bin'))).toEqual(large);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('keeps the previous version intact when a replacement fails halfway', async () => {
    const root = tempRoot();
    const storage = new LocalStorage(root);
    await storage.put('model.bin', body('version one'));
    const source = new PassThrough();
    const controller = new AbortController();
    const put = storage.put('model.bin', source, { signal: controller.signal });
    source.write(Buffer.alloc(64 * 1024, 1));
    await new Promise((r) => setTimeout(r, 20));
    expect(tempFiles(root)).toHaveLength(1);
    controller.abort();
    await expect(put).rejects.toMatchObject({ name: 'AbortError' });
    expect(readFileSync(join(root, 'model.bin'), 'utf8')).toBe('version one');
    expect(tempFiles(root)).toEqual([]);
  });

  it('stages without showing the object until commit, and discards without a trace', async () => {
    const root = tempRoot();
    const storage = new LocalStorage(root);
    const kept = await storage.stage('s/kept', body('k'));
    const dropped = await storage.stage('s/dropped', body('d'));
    expect(await storage.stat('s/kept')).toBeUndefined();
    await kept.commit();
    await dropped.discard();
    expect(await storage.stat('s/kept')).toMatchObject({ size: 1 });
    expect(await storage.stat('s/dropped')).toBeUndefined();
    expect(tempFiles(root)).toEqual([]);
  });

  it('refuses to put an object where a file or folder is in the way', async () => {
    const root = tempRoot();
    const storage = new LocalStorage(root);
    await storage.put('f', body('file'));
    await storage.put('dir/x', body('x'));
    await expect(storage.put('f/below', body('y'))).rejects.toMatchObject({ code: 'ERR_PATH_CONFLICT' });
    await expect(storage.put('dir', body('y'))).rejects.toMatchObject({ code: 'ERR_PATH_CONFLICT' });
    expect(tempFiles(root)).toEqual([]);
  });

  it.each([
    ['../outside', 'ERR_PATH_TRAVERSAL'],
    ['a/../../outside', 'ERR_PATH_TRAVERSAL'],
    ['/etc/passwd', 'ERR_PATH_TRAVERSAL'],
    ['a\\..\\b', 'ERR_PATH_TRAVERSAL'],
    ['', 'ERR_PATH_INVALID'],
    ['a//b', 'ERR_PATH_INVALID'],
    ['./a', 'ERR_PATH_INVALID'],
    ['a\0b', 'ERR_PATH_INVALID'],
    [`${TEMP_DIR_NAME}/x.part`, 'ERR_PATH_INVALID'],
  ])('refuses the key %j with %s', async (key, code) => {
    const storage = new LocalStorage(tempRoot());
    await expect(storage.put(key, body('x'))).rejects.toMatchObject({ code });
    await expect(storage.stat(key)).rejects.toMatchObject({ code });
  });

  it('removes temp files left by an interrupted write', async () => {
    const root = tempRoot();
    const storage = new LocalStorage(root);
    await storage.put('x', body('x'));
    writeFileSync(join(root, TEMP_DIR_NAME, 'crashed.part'), 'partial');
    mkdirSync(join(root, TEMP_DIR_NAME, 'odd-folder'));
    expect(await new LocalStorage(root).cleanupTemp()).toBe(2);
    expect(tempFiles(root)).toEqual([]);
    expect(await storage.stat('x')).toMatchObject({ size: 1 });
  });

  it('spares the temp files of live writers (other workers of a pool) and removes those of dead ones', async () => {
    const root = tempRoot();
    await new LocalStorage(root).cleanupTemp();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 60000)']);
    try {
      for (const pid of [dead, alive.pid, process.pid]) writeFileSync(join(root, TEMP_DIR_NAME, `${pid}-x.part`), 'partial');
      // A file under this process's own pid was left by an earlier process that had it (a container's pid 1).
      expect(await new LocalStorage(root).cleanupTemp()).toBe(2);
      expect(tempFiles(root)).toEqual([`${alive.pid}-x.part`]);
    } finally {
      alive.kill();
    }
  });

  it('fails on first use when the root cannot be created', async () => {
    const blocker = join(tempRoot(), 'file');
    writeFileSync(blocker, '');
    await expect(new LocalStorage(join(blocker, 'root')).cleanupTemp()).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});
