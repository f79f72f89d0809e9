import { constants, fsync } from 'node:fs';
import { promisify } from 'node:util';
import { DirectCalls } from './direct-calls';

const fsyncFd = promisify(fsync);

interface FolderState {
  /** The fsync now running; it may have started before the caller's change, so it cannot answer for it. */
  running: Promise<void>;
  /** The fsync that starts once `running` ends: every caller that arrives meanwhile shares it. */
  next?: Promise<void>;
}

/**
 * Makes a folder's entries durable. Concurrent calls for the same folder share fsyncs without
 * losing any: a caller never relies on an fsync that began before it asked (its rename may not be
 * in it), only on one that starts after, so at most one runs and one waits per folder however many
 * uploads land there at once (16 concurrent 4 KiB uploads to one folder: 2 fsyncs, not 16).
 */
export class FolderSync {
  private readonly folders = new Map<string, FolderState>();

  /** `syncer` makes one folder durable; the default opens, fsyncs and closes it (see syncFolderWith). */
  constructor(private readonly syncer: (path: string) => Promise<void> = syncFolderWith(new DirectCalls())) {}

  sync(path: string): Promise<void> {
    const state = this.folders.get(path);
    if (!state) return this.start(path);
    state.next ??= state.running.then(
      () => this.start(path),
      () => this.start(path),
    );
    return state.next;
  }

  private start(path: string): Promise<void> {
    const running = this.syncer(path);
    const state: FolderState = { running };
    this.folders.set(path, state);
    const settle = () => {
      // A waiting fsync has already replaced this state; otherwise the folder goes idle.
      if (this.folders.get(path) === state && !state.next) this.folders.delete(path);
    };
    running.then(settle, settle);
    return running;
  }
}

/**
 * Opens, fsyncs and closes a folder: the fsync, which waits for the disk, in the thread pool; the open
 * and close, which the kernel answers from memory, through `calls` (direct while the storage is fast).
 */
export function syncFolderWith(calls: DirectCalls): (path: string) => Promise<void> {
  return async (path) => {
    const fd = await calls.open(path, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await fsyncFd(fd);
    } finally {
      await calls.close(fd);
    }
  };
}
