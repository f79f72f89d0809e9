import { randomUUID } from 'node:crypto';
import { constants, createReadStream, createWriteStream, type BigIntStats } from 'node:fs';
import { access, lstat, mkdir, open, readdir, realpath, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WardenError } from '@warden/errors';
import { closeFd, fstatFd, openFd, realpathNative } from './fd';
import { keySegments, TEMP_DIR_NAME } from './object-key';
import { sendFileRange } from './send-file';
import type { ByteRange, OpenedObject, PutOptions, StagedObject, StorageAdapter, StoredObject } from './storage-adapter';

const READ_CHUNK_BYTES = 256 * 1024;

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

  constructor(root: string) {
    this.root = root;
  }

  async put(key: string, body: NodeJS.ReadableStream, options: PutOptions = {}): Promise<StoredObject> {
    const staged = await this.stage(key, body, options);
    try {
      return await staged.commit();
    } catch (error) {
      await staged.discard();
      throw error;
    }
  }

  async stage(key: string, body: NodeJS.ReadableStream, options: PutOptions = {}): Promise<StagedObject> {
    const target = await this.locate(key);
    await refuseLinks(target);
    // The writer's pid in the name: cleanupTemp spares the files of processes still writing them.
    const temp = join(target.root, TEMP_DIR_NAME, `${process.pid}-${randomUUID()}.part`);
    let stats: BigIntStats;
    try {
      await writeBody(temp, body, options);
      stats = await lstat(temp, { bigint: true });
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return new LocalStaged(target, temp, stats);
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    const target = await this.locate(key);
    await refuseLinks(target);
    const stats = await lstatIfExists(target.path);
    return stats?.isFile() ? describe(key, stats) : undefined;
  }

  async open(key: string): Promise<OpenedObject | undefined> {
    const target = await this.locate(key);
    await refuseLinks(target);
    let fd: number;
    try {
      // O_NOFOLLOW closes the gap between the link check and the open for the last segment.
      fd = await openFd(target.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      if (isMissing(error)) return undefined;
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw linkError();
      throw error;
    }
    const stats = await fstatFd(fd).catch(async (error: unknown) => {
      await closeFd(fd);
      throw error;
    });
    if (!stats.isFile()) {
      await closeFd(fd);
      return undefined;
    }
    return openedObject(fd, describe(key, stats));
  }

  async read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    const opened = await this.open(key);
    if (!opened) throw new WardenError('ERR_NOT_FOUND', `${key} not found`);
    return opened.stream(range);
  }

  async isFolder(prefix: string): Promise<boolean> {
    const target = await this.locate(prefix);
    await refuseLinks(target);
    return (await lstatIfExists(target.path))?.isDirectory() ?? false;
  }

  async delete(key: string): Promise<boolean> {
    const target = await this.locate(key);
    await refuseLinks(target);
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
    await refuseLinks(target);
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
    try {
      await mkdir(parent, { recursive: true });
      // Again after mkdir: a link could have appeared on the way since the body started.
      await refuseLinks(this.target);
      await rename(this.temp, this.target.path);
    } catch (error) {
      throw conflictOr(error, this.key);
    }
    this.state = 'committed';
    await syncFolder(parent);
    return describe(this.key, this.stats);
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
 * plain `pipe` to a file does, instead of each waiting its own turn in the thread pool.
 */
async function writeBody(path: string, body: NodeJS.ReadableStream, options: PutOptions): Promise<void> {
  const maxBytes = options.maxBytes ?? 0;
  let written = 0;
  async function* limited(source: AsyncIterable<Buffer | string>) {
    for await (const chunk of source) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      written += buffer.length;
      if (maxBytes > 0 && written > maxBytes) throw new WardenError('ERR_PAYLOAD_TOO_LARGE', `object is larger than ${maxBytes} bytes`);
      yield buffer;
    }
  }
  // A 1 MiB buffer lets the chunks that arrive during one write go out together in the next.
  const file = createWriteStream(path, { flags: 'wx', mode: 0o644, flush: true, highWaterMark: 1024 * 1024 });
  await pipeline(body, limited, file, ...(options.signal ? [{ signal: options.signal }] : []));
}

function openedObject(fd: number, object: StoredObject): OpenedObject {
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
      return sendFileRange(fd, range?.start ?? 0, (range?.end ?? object.size - 1) + 1, destination);
    },
    async close() {
      if (taken) return;
      taken = true;
      await closeFd(fd);
    },
  };
}

/**
 * Every existing segment below the root, the last one included, must be a real folder or file.
 * One realpath answers for the whole path when it exists (a read costs one thread-pool trip, not
 * one per segment); a missing tail, as for a new upload, is walked up to the part that exists.
 */
async function refuseLinks(target: Located): Promise<void> {
  for (let path = target.path; path !== target.root; path = dirname(path)) {
    try {
      if ((await realpathNative(path)) !== path) throw linkError();
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
  return error;
}

async function syncFolder(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
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

function describe(key: string, stats: BigIntStats): StoredObject {
  const size = Number(stats.size);
  // Nanosecond mtime: two writes of the same size within one millisecond still differ.
  return { key, size, mtime: new Date(Number(stats.mtimeMs)), etag: `"${stats.size.toString(16)}-${stats.mtimeNs.toString(16)}"` };
}
