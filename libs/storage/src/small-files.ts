import type { BigIntStats } from 'node:fs';
import { Readable } from 'node:stream';
import type { ByteRange, OpenedObject, StoredObject } from './storage-adapter';
import { releasesOnCallback } from './write-ownership';

/** Files up to this size are kept in memory once read. */
export const SMALL_FILE_MAX_BYTES = 64 * 1024;
/** All of them together, per process. */
const CACHE_MAX_BYTES = 8 * 1024 * 1024;

interface Entry {
  stats: BigIntStats;
  content: Buffer;
}

/**
 * The content of recently read small files (debug images, metrics files, the many small objects
 * the web UI and SDK fetch again and again), each served again only while an lstat of its path
 * shows the very file it was read from, unchanged: the same device and inode (a file replaced by
 * an upload's rename is a new inode; a link in the last segment is another inode), size, and
 * modification and change times (any write or chmod moves the change time). One lstat instead of
 * open, readlink, fstat, read and close: some 8 µs of a 4 KiB GET's CPU. An entry whose path now
 * leads elsewhere is the same inode only if it is the same file, so no check is skipped that
 * could matter. Least recently used first out.
 */
export class SmallFileCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes = CACHE_MAX_BYTES) {}

  has(path: string): boolean {
    return this.entries.has(path);
  }

  /** The content cached for `path`, if `stats` (taken just now) show the same file unchanged. */
  get(path: string, stats: BigIntStats): Buffer | undefined {
    const entry = this.entries.get(path);
    if (!entry) return undefined;
    this.delete(path);
    if (!sameFile(entry.stats, stats)) return undefined;
    this.insert(path, entry);
    return entry.content;
  }

  set(path: string, stats: BigIntStats, content: Buffer): void {
    this.delete(path);
    if (content.length > SMALL_FILE_MAX_BYTES || content.length > this.maxBytes) return;
    this.insert(path, { stats, content });
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.content.length;
    }
  }

  delete(path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return;
    this.entries.delete(path);
    this.bytes -= entry.content.length;
  }

  private insert(path: string, entry: Entry): void {
    this.entries.set(path, entry);
    this.bytes += entry.content.length;
  }
}

function sameFile(a: BigIntStats, b: BigIntStats): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && b.isFile();
}

/** An object served from memory; the cached bytes go only to a socket, which never changes what it is given. */
export function memoryObject(object: StoredObject, content: Buffer): OpenedObject {
  let taken = false;
  const take = (range?: ByteRange) => {
    if (taken) throw new Error(`${object.key} is already being read`);
    taken = true;
    return range ? content.subarray(range.start, range.end + 1) : content;
  };
  return {
    object,
    stream(range) {
      return Readable.from([Buffer.from(take(range))], { objectMode: false });
    },
    async sendTo(destination, range) {
      const bytes = take(range);
      if (!destination.destroyed) destination.end(releasesOnCallback(destination) ? bytes : Buffer.from(bytes));
    },
    async close() {
      taken = true;
    },
  };
}
