import { PassThrough, type Writable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { WardenError } from '@warden/errors';
import { BodyReader } from './body-reader';
import { ResponseBody } from './response-body';
import { keySegments } from './object-key';
import { bucketProblem, isS3NotFound, storageError } from './s3-errors';
import { StagedMultipart } from './s3-multipart';
import { commitStaged, type ByteRange, type OpenedObject, type PutOptions, type StagedObject, type StorageAdapter, type StoredObject } from './storage-adapter';
import type { UploadLeases } from './upload-leases';

/** S3's limit on a key, in UTF-8 bytes. */
export const S3_MAX_KEY_BYTES = 1024;
const MIB = 1024 * 1024;
/** Bytes from the store gathered before they are written to the client in one go. */
const BATCH_BYTES = 256 * 1024;

export interface S3StorageOptions {
  client: S3Client;
  bucket: string;
  /** Folder inside the bucket for everything this fileserver stores; '' = the bucket's root. */
  prefix?: string;
  /** Part size of multipart uploads; bodies up to this size go in one PutObject. S3's minimum is 5 MiB. */
  partBytes?: number;
  /**
   * Parts uploaded at once per body: memory per upload is about (queueSize + 1) * partBytes. 2 by
   * measurement: a 1 GiB upload through the fileserver ran as fast as with 4 (about 57 MB/s on the
   * test store), with a peak RSS of 161 MB instead of 190.
   */
  queueSize?: number;
  /** Bytes of small bodies held in memory, all uploads together, between stage and commit. */
  smallBodyBudgetBytes?: number;
  /** Without leases, orphaned uploads are only aborted once older than `orphanAgeMs`. */
  leases?: UploadLeases;
  /** A multipart upload older than this with no live lease is an orphan. */
  orphanAgeMs?: number;
}

/**
 * Objects in an S3 bucket under `<prefix>/<key>`, with the key rules of LocalStorage (the same
 * keySegments check, plus S3's own key length limit, refused rather than truncated).
 *
 * A body up to one part is held in memory and put in one PutObject on commit; a larger one goes
 * up as a multipart upload completed only on commit, so nothing is visible before commit and a
 * failed or aborted body is aborted on the store with the previous version untouched.
 */
export class S3Storage implements StorageAdapter {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partBytes: number;
  private readonly queueSize: number;
  private readonly smallBodyBudget: number;
  private readonly leases?: UploadLeases;
  private readonly orphanAgeMs: number;
  private smallBodyBytes = 0;

  constructor(options: S3StorageOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = normalisePrefix(options.prefix ?? '');
    this.partBytes = Math.max(options.partBytes ?? 8 * MIB, 5 * MIB);
    this.queueSize = Math.max(options.queueSize ?? 2, 1);
    this.smallBodyBudget = options.smallBodyBudgetBytes ?? 64 * MIB;
    this.leases = options.leases;
    // Without leases nothing tells a live upload from a dead one but its age.
    this.orphanAgeMs = options.orphanAgeMs ?? (options.leases ? 60_000 : 24 * 3600_000);
  }

  put(key: string, body: NodeJS.ReadableStream, options: PutOptions = {}): Promise<StoredObject> {
    return commitStaged(this.stage(key, body, options));
  }

  async stage(key: string, body: NodeJS.ReadableStream, options: PutOptions = {}): Promise<StagedObject> {
    const target = this.objectKey(key);
    const reader = new BodyReader(body, options);
    let first: Buffer;
    try {
      first = await reader.fill(this.partBytes);
    } catch (error) {
      reader.destroy();
      throw error;
    }
    if (reader.done && this.reserve(first.length)) return new SmallStaged(this, key, target, first);
    const multipart = await StagedMultipart.upload(
      {
        client: this.client,
        bucket: this.bucket,
        key: target,
        partBytes: this.partBytes,
        queueSize: this.queueSize,
        leases: this.leases,
        signal: options.signal,
      },
      reader,
      first,
    );
    return new MultipartStaged(this, key, target, reader.bytes, multipart);
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    return this.head(key, this.objectKey(key));
  }

  async open(key: string): Promise<OpenedObject | undefined> {
    const target = this.objectKey(key);
    const object = await this.head(key, target);
    return object && new S3Opened(this.client, this.bucket, target, object);
  }

  async read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    const opened = await this.open(key);
    if (!opened) throw new WardenError('ERR_NOT_FOUND', `${key} not found`);
    return opened.stream(range);
  }

  async isFolder(prefix: string): Promise<boolean> {
    return this.hasChildren(this.objectKey(prefix));
  }

  async delete(key: string): Promise<boolean> {
    const target = this.objectKey(key);
    // S3 deletes a missing key without a word; callers need to know whether there was a file.
    if (!(await this.head(key, target))) return false;
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: target }));
      return true;
    } catch (error) {
      throw storageError(error, 'delete an object');
    }
  }

  /** Lists the folder a page (1000 keys) at a time and deletes each page in one DeleteObjects. */
  async deletePrefix(prefix: string): Promise<number> {
    const folder = `${this.objectKey(prefix)}/`;
    let count = 0;
    try {
      for (;;) {
        // Always from the start: the previous page is gone, and a continuation token would skip nothing.
        const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: folder, MaxKeys: 1000 }));
        const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key as string }));
        if (keys.length === 0) return count;
        const deleted = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } }));
        if (deleted.Errors?.length) throw new Error(`DeleteObjects: ${deleted.Errors[0].Code ?? 'error'}`);
        count += keys.length;
      }
    } catch (error) {
      throw storageError(error, 'delete a folder');
    }
  }

  /**
   * Aborts the multipart uploads under the prefix that no live process holds a lease on and that
   * are older than the orphan age (which also covers an upload between its creation and its
   * lease). Run at start-up and periodically; safe while other replicas upload.
   */
  async cleanupTemp(): Promise<number> {
    const cutoff = Date.now() - this.orphanAgeMs;
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.prefix || undefined, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
      );
      const old = (page.Uploads ?? []).filter((u) => u.UploadId && u.Key && (u.Initiated?.getTime() ?? 0) < cutoff);
      const live = this.leases ? await this.leases.live(old.map((u) => u.UploadId as string)) : new Set<string>();
      for (const upload of old.filter((u) => !live.has(u.UploadId as string))) {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
        aborted++;
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return aborted;
  }

  /** Readiness: the bucket exists and the credentials open it; the error names the setting to fix. */
  async checkBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw new Error(bucketProblem(error, this.bucket));
    }
  }

  /** The bucket key for a storage key, after the same checks as LocalStorage. */
  objectKey(key: string): string {
    const full = this.prefix + keySegments(key).join('/');
    if (Buffer.byteLength(full) > S3_MAX_KEY_BYTES) throw new WardenError('ERR_PATH_TOO_LONG', `key is longer than S3's ${S3_MAX_KEY_BYTES} bytes`);
    return full;
  }

  /** @internal for the staged objects */
  async writeSmall(target: string, body: Buffer): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: target, Body: body, ContentLength: body.length }));
    } catch (error) {
      throw storageError(error, 'store an object');
    }
  }

  /**
   * LocalStorage cannot store `a/b` while `a` is a file, nor `a` while `a/` holds files; S3 could,
   * and the two would then disagree on what `a` is. Checked right before the object appears
   * (concurrent uploads can still race, as they can on a shared filesystem between hosts).
   * @internal for the staged objects
   */
  async refuseConflicts(key: string, target: string): Promise<void> {
    const segments = target.slice(this.prefix.length).split('/');
    const ancestors = segments.slice(0, -1).map((_, i) => this.prefix + segments.slice(0, i + 1).join('/'));
    const found = await Promise.all([...ancestors.map((a) => this.head(a, a)), this.hasChildren(target)]);
    if (found.some(Boolean)) throw new WardenError('ERR_PATH_CONFLICT', `${key} collides with an existing file or folder`);
  }

  /** @internal for the staged objects */
  release(bytes: number): void {
    this.smallBodyBytes -= bytes;
  }

  /** @internal for the staged objects */
  async head(key: string, target: string): Promise<StoredObject | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: target }));
      return { key, size: head.ContentLength ?? 0, mtime: head.LastModified ?? new Date(0), etag: head.ETag ?? '""' };
    } catch (error) {
      if (isS3NotFound(error)) return undefined;
      throw storageError(error, 'read object metadata');
    }
  }

  private async hasChildren(target: string): Promise<boolean> {
    try {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${target}/`, MaxKeys: 1 }));
      return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
    } catch (error) {
      throw storageError(error, 'list a folder');
    }
  }

  /** Many small bodies staged at once (one request of many parts) must not add up without bound. */
  private reserve(bytes: number): boolean {
    if (this.smallBodyBytes + bytes > this.smallBodyBudget) return false;
    this.smallBodyBytes += bytes;
    return true;
  }
}

function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${keySegments(trimmed).join('/')}/`;
}

abstract class S3Staged implements StagedObject {
  protected state: 'staged' | 'committed' | 'discarded' = 'staged';

  constructor(
    protected readonly storage: S3Storage,
    readonly key: string,
    protected readonly target: string,
    readonly size: number,
  ) {}

  async commit(): Promise<StoredObject> {
    if (this.state !== 'staged') throw new Error(`staged object ${this.key} is already ${this.state}`);
    await this.storage.refuseConflicts(this.key, this.target);
    await this.write();
    this.state = 'committed';
    this.settle();
    // What a reader will see (S3's ETag and its time), not what was sent.
    const stored = await this.storage.head(this.key, this.target);
    if (!stored) throw new WardenError('ERR_STORAGE_UNAVAILABLE', `${this.key} is missing right after it was stored`);
    return stored;
  }

  async discard(): Promise<void> {
    if (this.state !== 'staged') return;
    this.state = 'discarded';
    this.settle();
    await this.drop();
  }

  protected abstract write(): Promise<void>;
  protected abstract drop(): Promise<void>;
  protected settle(): void {}
}

class SmallStaged extends S3Staged {
  constructor(
    storage: S3Storage,
    key: string,
    target: string,
    private readonly body: Buffer,
  ) {
    super(storage, key, target, body.length);
  }

  protected write(): Promise<void> {
    return this.storage.writeSmall(this.target, this.body);
  }

  protected async drop(): Promise<void> {}

  protected override settle(): void {
    this.storage.release(this.body.length);
  }
}

class MultipartStaged extends S3Staged {
  constructor(
    storage: S3Storage,
    key: string,
    target: string,
    size: number,
    private readonly upload: StagedMultipart,
  ) {
    super(storage, key, target, size);
  }

  protected write(): Promise<void> {
    return this.upload.complete();
  }

  protected drop(): Promise<void> {
    return this.upload.abort();
  }
}

/**
 * Metadata from HeadObject; the bytes from a GetObject bound to that version's ETag (If-Match), so
 * an object replaced in between fails the read instead of mixing one version's headers with
 * another's body.
 */
class S3Opened implements OpenedObject {
  private taken = false;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly target: string,
    readonly object: StoredObject,
  ) {}

  stream(range?: ByteRange): NodeJS.ReadableStream {
    this.take();
    const out = new PassThrough({ highWaterMark: MIB });
    this.body(range).then(
      (body) => {
        body.on('error', (error: Error) => out.destroy(storageError(error, 'read an object')));
        out.on('close', () => body.destroy());
        body.pipe(out);
      },
      (error: unknown) => out.destroy(asError(error)),
    );
    return out;
  }

  async sendTo(destination: Writable, range?: ByteRange): Promise<void> {
    this.take();
    const body = await this.body(range);
    if (body instanceof ResponseBody) return body.sendTo(destination, (error) => storageError(error, 'read an object'));
    await new Promise<void>((resolve) => {
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = () => {
        // One writev for the batch: the store's reads of up to 64 KiB written one by one cost a
        // socket write each; 512 MiB downloads on a busy 2-core machine ran at 260-420 MB/s that
        // way and 380-750 MB/s batched (256 KiB and 1 MiB batches alike).
        destination.cork();
        for (const chunk of pending) destination.write(chunk);
        destination.uncork();
        pending = [];
        pendingBytes = 0;
      };
      const onData = (chunk: Buffer) => {
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes < BATCH_BYTES) return;
        flush();
        if (destination.writableNeedDrain) body.pause();
      };
      const onDrain = () => body.resume();
      const onEnd = () => {
        flush();
        destination.end();
      };
      const done = () => {
        body.off('data', onData);
        body.off('end', onEnd);
        destination.off('drain', onDrain);
        destination.off('close', onClose);
        destination.off('finish', done);
        resolve();
      };
      // A client that went away: stop fetching from the store.
      const onClose = () => {
        body.destroy();
        done();
      };
      destination.once('close', onClose);
      destination.once('finish', done);
      destination.on('drain', onDrain);
      body.once('error', (error: Error) => {
        destination.destroy(storageError(error, 'read an object'));
        done();
      });
      body.on('data', onData);
      body.once('end', onEnd);
    });
  }

  async close(): Promise<void> {
    this.taken = true;
  }

  private take(): void {
    if (this.taken) throw new Error(`${this.object.key} is already being read`);
    this.taken = true;
  }

  private async body(range?: ByteRange): Promise<NodeJS.ReadableStream & { destroy(): void }> {
    try {
      const got = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.target,
          IfMatch: this.object.etag,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      return got.Body as NodeJS.ReadableStream & { destroy(): void };
    } catch (error) {
      throw storageError(error, 'read an object');
    }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
