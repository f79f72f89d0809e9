import { closeSync, existsSync, fstatSync, lstatSync, openSync, readlinkSync, readSync, realpathSync, renameSync, type BigIntStats } from 'node:fs';
import { lstat, readlink, rename } from 'node:fs/promises';
import { closeFd, fstatFd, openFd, readFd, realpathNative } from './fd';

/** A call slower than this blocked on the storage, or the process was descheduled during it. */
const SLOW_MS = 1;
/**
 * Of each WINDOW_CALLS calls, more than this share slow means the storage is slow: on a busy machine
 * a few calls always look slow because the process lost its core in the middle of them.
 */
const WINDOW_CALLS = 64;
const SLOW_SHARE = 0.25;
/** One call this slow is reason enough. */
const STALL_MS = 50;
/** How long calls then go through the thread pool before direct calls are tried again. */
const COOL_DOWN_MS = 10_000;
/** Reads up to this size may be made directly; larger ones overlap with the socket's writes in the pool. */
export const DIRECT_READ_MAX_BYTES = 64 * 1024;
/** Linux names every open descriptor here; elsewhere descriptorPath answers undefined. */
const DESCRIPTORS = '/proc/self/fd';
const HAS_DESCRIPTOR_PATHS = existsSync(DESCRIPTORS);

/**
 * The file-system calls the kernel answers from memory (realpath, open, lstat, fstat, small reads,
 * close, and the rename that commits a small upload), made directly on the event loop while the
 * storage answers in microseconds, and through libuv's thread pool when it does not. On page-cached
 * files a direct call costs a few microseconds, while each trip through the pool costs the process
 * some 15-20 µs of thread wake-ups and lock hand-offs: a 4 KiB GET makes five such calls (measured:
 * 4,500 → 6,000 GETs/s on one worker). Blocking the event loop is only acceptable while that holds,
 * so a storage that turns slow (a cold disk, a network filesystem under load) sends every call back
 * to the pool for a while: when more than a quarter of 64 calls took over 1 ms, or one call over 50 ms.
 */
export class DirectCalls {
  private counted = 0;
  private slow = 0;
  private pooledUntil = -Infinity;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** False while calls go through the pool. */
  get direct(): boolean {
    return this.clock() >= this.pooledUntil;
  }

  realpath(path: string): Promise<string> {
    return this.run(
      () => realpathSync.native(path),
      () => realpathNative(path),
    );
  }

  open(path: string, flags: number): Promise<number> {
    return this.run(
      () => openSync(path, flags),
      () => openFd(path, flags),
    );
  }

  /** The path the kernel gives an open descriptor, every link resolved; undefined without /proc. */
  descriptorPath(fd: number): Promise<string | undefined> {
    if (!HAS_DESCRIPTOR_PATHS) return Promise.resolve(undefined);
    const link = `${DESCRIPTORS}/${fd}`;
    return this.run(
      () => readlinkSync(link),
      () => readlink(link),
    );
  }

  lstat(path: string): Promise<BigIntStats> {
    return this.run(
      () => lstatSync(path, { bigint: true }),
      () => lstat(path, { bigint: true }),
    );
  }

  fstat(fd: number): Promise<BigIntStats> {
    return this.run(
      () => fstatSync(fd, { bigint: true }),
      () => fstatFd(fd),
    );
  }

  /** Bytes read into `buffer` from `position`; only reads up to DIRECT_READ_MAX_BYTES are made directly. */
  read(fd: number, buffer: Buffer, length: number, position: number): Promise<number> {
    const pooled = async () => (await readFd(fd, buffer, 0, length, position)).bytesRead;
    if (length > DIRECT_READ_MAX_BYTES) return pooled();
    return this.run(() => readSync(fd, buffer, 0, length, position), pooled);
  }

  close(fd: number): Promise<void> {
    return this.run(
      () => closeSync(fd),
      () => closeFd(fd),
    );
  }

  /**
   * Replaces `to` by `from` in one step. Only for a `to` that is missing or small: replacing a large
   * file frees its blocks before the rename returns (see LocalStaged.replace).
   */
  rename(from: string, to: string): Promise<void> {
    return this.run(
      () => renameSync(from, to),
      () => rename(from, to),
    );
  }

  private async run<T>(direct: () => T, pooled: () => Promise<T>): Promise<T> {
    const started = this.clock();
    if (started < this.pooledUntil) return pooled();
    try {
      // fs's own errors (ENOENT, ELOOP...) reject as the pooled call's would.
      return direct();
    } finally {
      this.observe(started, this.clock());
    }
  }

  private observe(started: number, ended: number): void {
    const took = ended - started;
    this.counted++;
    if (took > SLOW_MS) this.slow++;
    if (took <= STALL_MS && this.counted < WINDOW_CALLS) return;
    if (took > STALL_MS || this.slow > WINDOW_CALLS * SLOW_SHARE) this.pooledUntil = ended + COOL_DOWN_MS;
    this.counted = 0;
    this.slow = 0;
  }
}
