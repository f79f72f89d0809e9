import { randomBytes } from 'node:crypto';
import { constants, createReadStream, createWriteStream, fsync, open, write, writev, type BigIntStats } from 'node:fs';
import { access, lstat, mkdir, readdir, realpath, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join, relative, isAbsolute } from 'node:path';
import type { Readable } from 'node:stream';
import { WardenError } from '@warden/errors';
import { DirectCalls } from './direct-calls';
import { fdatasyncFd } from './fd';
import { FolderSync, syncFolderWith } from './folder-sync';
import { keySegments, TEMP_DIR_NAME } from './object-key';
import { sendFileRange } from './send-file';
import { memoryObject, SMALL_FILE_MAX_BYTES, SmallFileCache } from './small-files';
import { commitStaged, type ByteRange, type OpenedObject, type PutOptions, type StagedObject, type StorageAdapter, type StoredObject } from './storage-adapter';

const READ_CHUNK_BYTES = 256 * 1024;
const WRITEBACK_BYTES = 8 * 1024 * 1024;
/** Bodies announced this small are written with O_DSYNC: each write durable as it returns, no fsync. */
const DSYNC_MAX_BYTES = 64 * 1024;
const DSYNC_CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DSYNC;
/** A file up to this size is replaced by a direct rename; freeing more takes the rename too long. */
const DIRECT_REPLACE_MAX_BYTES = 64n * 1024n;

interface Located {
  root: string;
  segments: string[];
  path: string;
}

/**
 * Objects as files under one folder. Writes go to a temp file in a hidden folder on the same
 * filesystem, are fsynced, then renamed over the target, so a crash leaves either the old or the
 * new version and never a torn one.
 *
 * Symbolic links below the root are refused outright, not only those leading out of it: a link
 * that stays inside the root can still cross from one tenant's folder into another's, and a link
 * to another filesystem would break the atomic rename anyway.
 */
export class LocalStorage implements StorageAdapter {
  private readonly root: string;
  private realRoot: Promise<string> | undefined;
  // Calls the kernel answers from memory, direct while the storage answers fast (see DirectCalls).
  private readonly calls = new DirectCalls();
  private readonly folders = new FolderSync(syncFolderWith(this.calls));
  private readonly small = new SmallFileCache();
  // Temp names: the writer's pid (cleanupTemp spares live writers), a random part per process (a
  // restarted process with the same pid, as pid 1 in a container, never meets its old names) and a
  // counter, instead of a UUID per upload.
  private readonly tempPrefix = `${process.pid}-${randomBytes(8).toString('hex')}-`;
  private tempCount = 0;

  constructor(root: string) {
    this.root = root;
  }

  put(key: string, body: NodeJS.ReadableStream, options: PutOptions = {}): Promise<StoredObject> {
    return commitStaged(this.stage(key, body, options));
  }

  async stage(key: string, body: NodeJS.ReadableStream, options: PutOptions = {}): Promise<StagedObject> {
    const target = await this.locate(key);
    const temp = join(target.root, TEMP_DIR_NAME, `${this.tempPrefix}${++this.tempCount}.part`);
    let stats: BigIntStats;
    try {
      // No link check before the body: commit checks right before the rename, which is the check
      // that counts (a link can appear at any time before it), and a second realpath per upload
      // cost some 3% of a 4 KiB upload's main-thread time.
      await writeBody(temp, body, options, this.calls);
      stats = await this.calls.lstat(temp);
    } catch (error) {
      await rm(temp, { force: true });
      throw fullOr(error);
    }
    return new LocalStaged(target, temp, stats, this.folders, this.calls);
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    const target = await this.locate(key);
    await refuseLinks(target, this.calls);
    const stats = await lstatIfExists(target.path);
    return stats?.isFile() ? describe(key, stats) : undefined;
  }

  async open(key: string): Promise<OpenedObject | undefined> {
    const target = await this.locate(key);
    const cached = await this.cachedObject(key, target.path);
    if (cached) return cached;
    const { calls } = this;
    let fd: number;
    try {
      // O_NOFOLLOW refuses a link as the last segment; the ones before it are checked on the file opened.
      fd = await calls.open(target.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw linkError();
      // Nothing to open: a link on the way is still refused rather than reported missing.
      await refuseLinks(target, this.calls);
      if (isMissing(error)) return undefined;
      throw error;
    }
    let small: { stats: BigIntStats; content: Buffer } | undefined;
    try {
      if (!(await openedAt(calls, fd, target.path))) throw linkError();
      const stats = await calls.fstat(fd);
      const content = stats.isFile() && stats.size <= SMALL_FILE_MAX_BYTES ? await readWhole(calls, fd, stats) : undefined;
      // A large file, or a small one that shrank while read, is sent from its descriptor.
      if (stats.isFile() && !content) return openedObject(fd, describe(key, stats), calls);
      if (content) small = { stats, content };
    } catch (error) {
      await calls.close(fd);
      throw error;
    }
    await calls.close(fd);
    if (!small) return undefined;
    this.small.set(target.path, small.stats, small.content);
    return memoryObject(describe(key, small.stats), small.content);
  }

  /** A small file read before and unchanged since, from memory (see SmallFileCache). */
  private async cachedObject(key: string, path: string): Promise<OpenedObject | undefined> {
    if (!this.small.has(path)) return undefined;
    let stats: BigIntStats;
    try {
      stats = await this.calls.lstat(path);
    } catch {
      // Gone or unreadable: the full open reports it as it would without the cache.
      this.small.delete(path);
      return undefined;
    }
    const content = this.small.get(path, stats);
    return content && memoryObject(describe(key, stats), content);
  }

  async read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    const opened = await this.open(key);
    if (!opened) throw new WardenError('ERR_NOT_FOUND', `${key} not found`);
    return opened.stream(range);
  }

  async isFolder(prefix: string): Promise<boolean> {
    const target = await this.locate(prefix);
    await refuseLinks(target, this.calls);
    return (await lstatIfExists(target.path))?.isDirectory() ?? false;
  }

  async delete(key: string): Promise<boolean> {
    const target = await this.locate(key);
    await refuseLinks(target, this.calls);
    if (!(await lstatIfExists(target.path))?.isFile()) return false;
    try {
      await unlink(target.path);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const target = await this.locate(prefix);
    await refuseLinks(target, this.calls);
    if (!(await lstatIfExists(target.path))?.isDirectory()) return 0;
    const entries = await readdir(target.path, { recursive: true, withFileTypes: true });
    const count = entries.filter((entry) => entry.isFile()).length;
    // rm removes links themselves and never follows them.
    await rm(target.path, { recursive: true, force: true });
    return count;
  }

  /**
   * Called at start-up, possibly by one worker of a pool while the others serve: removes what a
   * process that is gone left behind, never what a live one is still writing. This process has
   * written nothing yet, so files under its own pid are a previous life's (a container's pid 1).
   */
  async cleanupTemp(): Promise<number> {
    const root = await this.ready();
    const tempDir = join(root, TEMP_DIR_NAME);
    const names = (await readdir(tempDir)).filter(isLeftOver);
    await Promise.all(names.map((name) => rm(join(tempDir, name), { recursive: true, force: true })));
    return names.length;
  }

  /** Creates the root and temp folder on first use and checks both are writable. */
  private ready(): Promise<string> {
    this.realRoot ??= (async () => {
      await mkdir(join(this.root, TEMP_DIR_NAME), { recursive: true });
      await access(this.root, constants.W_OK);
      await access(join(this.root, TEMP_DIR_NAME), constants.W_OK);
      // The root itself may be a link (a mounted volume); everything below it may not.
      return realpath(this.root);
    })().catch((error: unknown) => {
      this.realRoot = undefined;
      throw error;
    });
    return this.realRoot;
  }

  private async locate(key: string): Promise<Located> {
    const segments = keySegments(key);
    const root = await this.ready();
    const path = join(root, ...segments);
    const rel = relative(root, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new WardenError('ERR_PATH_TRAVERSAL');
    return { root, segments, path };
  }
}

class LocalStaged implements StagedObject {
  private state: 'staged' | 'committed' | 'discarded' = 'staged';

  constructor(
    private readonly target: Located,
    private readonly temp: string,
    private readonly stats: BigIntStats,
    private readonly folders: FolderSync,
    private readonly calls: DirectCalls,
  ) {}

  get key(): string {
    return this.target.segments.join('/');
  }

  get size(): number {
    return Number(this.stats.size);
  }

  async commit(): Promise<StoredObject> {
    if (this.state !== 'staged') throw new Error(`staged object ${this.key} is already ${this.state}`);
    const parent = dirname(this.target.path);
    let created: string | undefined;
    try {
      // The folder usually exists (uploads land where others did): mkdir only when the rename
      // says it is missing. Checked again for links right before each rename: one could have
      // appeared on the way since the body started, or been created by the mkdir's race.
      await refuseLinks(this.target, this.calls);
      await this.replace().catch(async (error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        created = await mkdir(parent, { recursive: true });
        await refuseLinks(this.target, this.calls);
        await this.replace();
      });
    } catch (error) {
      throw conflictOr(error, this.key);
    }
    this.state = 'committed';
    // The new entry, and the entry of every folder mkdir created on the way, must be durable.
    await Promise.all(foldersToSync(parent, created).map((folder) => this.folders.sync(folder)));
    return describe(this.key, this.stats);
  }

  /**
   * Renames the temp file over the target. Replacing a large file frees its blocks before the rename
   * returns (10 MiB: about 3 ms on a disk mounted with online discard), which the event loop must
   * not wait for: such a rename goes through the pool, any other is direct while the storage is fast.
   */
  private async replace(): Promise<void> {
    const replaced = await this.calls.lstat(this.target.path).catch(() => undefined);
    if (replaced && replaced.size > DIRECT_REPLACE_MAX_BYTES) return rename(this.temp, this.target.path);
    return this.calls.rename(this.temp, this.target.path);
  }

  async discard(): Promise<void> {
    if (this.state !== 'staged') return;
    this.state = 'discarded';
    await rm(this.temp, { force: true });
  }
}

/**
 * Streams the body to a new file and fsyncs it before closing. A write stream rather than one write
 * per chunk: chunks that arrive while a write is in flight go out together in one writev, as a
 * plain `pipe` to a file does, instead of each waiting its own turn in the thread pool. Piped by
 * hand rather than with stream.pipeline: pipeline aborts an AbortController of its own when it
 * finishes, and the DOMException that builds (a stack trace) was 2-3% of a 4 KiB upload's CPU.
 * Every WRITEBACK_BYTES of a large body, the bytes written so far are sent to disk (fdatasync in the
 * pool) while the rest still arrives: the kernel would otherwise start only at its dirty threshold
 * (gigabytes on a large machine), and the closing fsync would write the whole body after it arrived.
 * A body the caller announced as small (`expectedBytes`) is opened with O_DSYNC instead: it arrives
 * in one or two writes, each durable when it returns, which spares the fsync's trip through the
 * thread pool. Should more arrive than announced, every write is still durable, only slower.
 */
function writeBody(path: string, body: NodeJS.ReadableStream, options: PutOptions, calls: DirectCalls): Promise<void> {
  const maxBytes = options.maxBytes ?? 0;
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(asError(signal.reason));
  const small = options.expectedBytes !== undefined && options.expectedBytes <= DSYNC_MAX_BYTES;
  // A 1 MiB buffer lets the chunks that arrive during one write go out together in the next.
  // The stream hands `flags` to fs.open, which takes the numeric form as well (O_DSYNC has no
  // letter); @types/node declares only strings.
  const flags = (small ? DSYNC_CREATE : 'wx') as string;
  const file = createWriteStream(path, { flags, mode: 0o644, flush: !small, highWaterMark: 1024 * 1024, fs: writeStreamCalls(calls) });
  let written = 0;
  let writtenBack = 0;
  // At most one writeback at a time, none once the body ended or failed; the descriptor is closed
  // only after the one running has finished.
  let writeback: Promise<unknown> = Promise.resolve();
  let writingBack = false;
  let closing = false;
  const startWriteback = (error?: Error | null) => {
    if (error || closing || file.destroyed) return;
    writingBack = true;
    const done = () => (writingBack = false);
    // A failed writeback is left to the closing fsync to report.
    // Open by the time a write has completed; @types/node does not declare the stream's fd.
    writeback = fdatasyncFd((file as unknown as { fd: number }).fd).then(done, done);
  };
  return new Promise<void>((resolve, reject) => {
    const cleanUp = () => {
      signal?.removeEventListener('abort', onAbort);
      body.removeListener('data', onData);
      body.removeListener('end', onEnd);
      body.removeListener('error', fail);
      file.removeListener('drain', onDrain);
    };
    function fail(error: unknown) {
      cleanUp();
      closing = true;
      file.removeListener('close', onClose);
      void writeback.then(() => file.destroy());
      (body as Partial<Readable>).destroy?.();
      reject(asError(error));
    }
    function onAbort() {
      fail(signal?.reason);
    }
    function onData(chunk: Buffer | string) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      written += buffer.length;
      if (maxBytes > 0 && written > maxBytes) return fail(new WardenError('ERR_PAYLOAD_TOO_LARGE', `object is larger than ${maxBytes} bytes`));
      const due = !writingBack && written - writtenBack >= WRITEBACK_BYTES;
      if (due) writtenBack = written;
      if (!file.write(buffer, due ? startWriteback : undefined)) body.pause();
    }
    function onDrain() {
      body.resume();
    }
    function onEnd() {
      cleanUp();
      closing = true;
      void writeback.then(() => file.end());
    }
    // 'close' follows the fsync and the close of the descriptor; an error comes first if either fails.
    function onClose() {
      file.removeListener('error', fail);
      resolve();
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    file.on('error', fail);
    file.once('close', onClose);
    file.on('drain', onDrain);
    body.on('error', fail);
    body.on('end', onEnd);
    body.on('data', onData);
  });
}

/**
 * The calls a write stream makes: open, writes and fsync through the thread pool (they wait for the
 * disk), the close through DirectCalls, since the data is durable by then and a close is a few
 * microseconds, less than the trip through the pool.
 */
function writeStreamCalls(calls: DirectCalls) {
  const close = (fd: number, done: (error: Error | null) => void) => void calls.close(fd).then(() => done(null), done);
  return { open, write, writev, fsync, close };
}

/** An abort's reason is a DOMException, which is not an Error here; callers tell it by its name. */
function asError(reason: unknown): Error {
  return reason instanceof Error || reason instanceof DOMException ? reason : new Error(String(reason));
}

function openedObject(fd: number, object: StoredObject, calls: DirectCalls): OpenedObject {
  let taken = false;
  const take = () => {
    if (taken) throw new Error(`${object.key} is already being read`);
    taken = true;
  };
  return {
    object,
    stream(range) {
      take();
      // A known end spares the read that would only find end of file; reads of 256 KiB take a
      // quarter of the thread-pool trips and socket writes of the default 64 KiB.
      const end = range?.end ?? (object.size > 0 ? object.size - 1 : undefined);
      return createReadStream('', { fd, start: range?.start, end, autoClose: true, highWaterMark: READ_CHUNK_BYTES });
    },
    sendTo(destination, range) {
      take();
      return sendFileRange(fd, range?.start ?? 0, (range?.end ?? object.size - 1) + 1, destination, calls);
    },
    async close() {
      if (taken) return;
      taken = true;
      await calls.close(fd);
    },
  };
}

/**
 * Whether the open file is the one at `path` reached without a link: the kernel's own name for the
 * descriptor is the path with every link resolved. One call, on what was actually opened, instead of
 * one realpath before the open (a look at each segment, and a link could appear in between). A file
 * replaced since the open is still the version opened, named with " (deleted)". Without /proc
 * (not Linux), realpath on the path after the open.
 */
async function openedAt(calls: DirectCalls, fd: number, path: string): Promise<boolean> {
  const opened = (await calls.descriptorPath(fd)) ?? (await calls.realpath(path));
  return opened === path || opened === `${path}${DELETED_SUFFIX}`;
}

const DELETED_SUFFIX = ' (deleted)';

/**
 * Every existing segment below the root, the last one included, must be a real folder or file.
 * One realpath answers for the whole path when it exists (one call, direct while the storage answers
 * fast, not one per segment); a missing tail, as for a new upload, is walked up to the part that exists.
 */
async function refuseLinks(target: Located, calls: DirectCalls): Promise<void> {
  for (let path = target.path; path !== target.root; path = dirname(path)) {
    try {
      if ((await calls.realpath(path)) !== path) throw linkError();
      return;
    } catch (error) {
      if (!isMissing(error)) throw error;
      // realpath cannot tell a missing entry from a link to one.
      if ((await lstatIfExists(path))?.isSymbolicLink()) throw linkError();
    }
  }
}

const WRITER_PID = /^(\d+)-/;

function isLeftOver(tempName: string): boolean {
  const pid = Number(WRITER_PID.exec(tempName)?.[1] ?? 0);
  if (pid === 0 || pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: alive, under another user.
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

function linkError(): WardenError {
  return new WardenError('ERR_PATH_TRAVERSAL', 'path goes through a symbolic link');
}

function conflictOr(error: unknown, key: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR' || code === 'ENOTEMPTY') {
    return new WardenError('ERR_PATH_CONFLICT', `${key} collides with an existing file or folder`);
  }
  return fullOr(error);
}

/** A full disk or quota is the operator's to fix, not an internal error; the upload is refused whole. */
function fullOr(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT' ? new WardenError('ERR_STORAGE_FULL') : error;
}

/** `parent`, and the parent of each folder from `created` (the first mkdir made) down to `parent`. */
function foldersToSync(parent: string, created: string | undefined): string[] {
  const folders = [parent];
  if (created === undefined) return folders;
  for (let folder = parent; folder !== dirname(created); folder = dirname(folder)) folders.push(dirname(folder));
  return folders;
}

async function lstatIfExists(path: string): Promise<BigIntStats | undefined> {
  try {
    return await lstat(path, { bigint: true });
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The whole of a small file, or undefined when it turned out shorter than `stats` said. */
async function readWhole(calls: DirectCalls, fd: number, stats: BigIntStats): Promise<Buffer | undefined> {
  const size = Number(stats.size);
  // Its own memory, not a slice of Node's shared pool, which a cached slice would keep alive whole.
  const content = Buffer.allocUnsafeSlow(size);
  for (let at = 0; at < size;) {
    const read = await calls.read(fd, content.subarray(at), size - at, at);
    if (read === 0) return undefined;
    at += read;
  }
  return content;
}

function describe(key: string, stats: BigIntStats): StoredObject {
  const size = Number(stats.size);
  // Nanosecond mtime: two writes of the same size within one millisecond still differ.
  return { key, size, mtime: new Date(Number(stats.mtimeMs)), etag: `"${stats.size.toString(16)}-${stats.mtimeNs.toString(16)}"` };
}
