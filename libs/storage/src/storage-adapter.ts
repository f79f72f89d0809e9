import type { Writable } from 'node:stream';

/** One stored object as clients see it. */
export interface StoredObject {
  key: string;
  size: number;
  mtime: Date;
  /** Changes whenever the content may have changed; quoted, ready for an ETag header. */
  etag: string;
}

/** Inclusive byte offsets, as in HTTP ranges. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface PutOptions {
  /** The body is refused (ERR_PAYLOAD_TOO_LARGE) once it passes this many bytes; 0 or absent = no limit. */
  maxBytes?: number;
  signal?: AbortSignal;
  /** At most this many bytes are coming, as far as the caller knows (a request's Content-Length): a hint, not a limit. */
  expectedBytes?: number;
}

/** A body written out in full but not yet visible under its key. */
export interface StagedObject {
  readonly key: string;
  readonly size: number;
  /** Makes the object visible, replacing any previous version in one step. */
  commit(): Promise<StoredObject>;
  discard(): Promise<void>;
}

/** An object held open, so its metadata and the bytes streamed later belong to the same version. */
export interface OpenedObject {
  readonly object: StoredObject;
  /** At most once (this or sendTo); the object is closed when the stream ends. */
  stream(range?: ByteRange): NodeJS.ReadableStream;
  /**
   * Writes the object (or the range) to `destination` and ends it, at most once (this or stream);
   * the object is closed when done. Resolves early, without ending it, if the destination closes
   * first (a client that went away); a read failure destroys the destination, so a client never
   * takes a short body for a whole one.
   */
  sendTo(destination: Writable, range?: ByteRange): Promise<void>;
  /** Needed only when stream() is not called. */
  close(): Promise<void>;
}

/**
 * Where objects live. Keys are relative `a/b/c` paths the caller has already validated; an
 * adapter still refuses, with a typed error, any key that would reach outside its own space.
 */
export interface StorageAdapter {
  /** Atomic: readers see the previous version until the new one is complete; nothing is left on failure. */
  put(key: string, body: NodeJS.ReadableStream, options?: PutOptions): Promise<StoredObject>;
  /** The first half of put, for callers that commit several objects only once all are written. */
  stage(key: string, body: NodeJS.ReadableStream, options?: PutOptions): Promise<StagedObject>;
  stat(key: string): Promise<StoredObject | undefined>;
  open(key: string): Promise<OpenedObject | undefined>;
  /** Throws ERR_NOT_FOUND when there is no such object. */
  read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream>;
  isFolder(prefix: string): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /** Removes a folder and everything in it; returns how many objects went. */
  deletePrefix(prefix: string): Promise<number>;
  /** Removes what interrupted writes left behind; run at start-up. Returns how many went. */
  cleanupTemp(): Promise<number>;
}

/** put() as every adapter does it: stage the body, then commit it, or discard it when the commit fails. */
export async function commitStaged(staging: Promise<StagedObject>): Promise<StoredObject> {
  const staged = await staging;
  try {
    return await staged.commit();
  } catch (error) {
    await staged.discard();
    throw error;
  }
}
