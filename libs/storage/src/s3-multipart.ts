import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { setTimeout as delay } from 'node:timers/promises';
import { WardenError } from '@warden/errors';
import type { BodyReader } from './body-reader';
import { storageError } from './s3-errors';
import type { UploadLease, UploadLeases } from './upload-leases';

const ABORT_ATTEMPTS = 4;
const ABORT_SETTLE_MS = 25;

export interface MultipartTarget {
  client: S3Client;
  bucket: string;
  key: string;
  partBytes: number;
  queueSize: number;
  leases?: UploadLeases;
  signal?: AbortSignal;
}

/**
 * A multipart upload whose parts are all uploaded but which is not completed: S3 shows nothing
 * under the key until complete(), and abort() throws the parts away. This split is what makes
 * stage-then-commit atomic on S3 (the SDK's managed Upload completes on its own, so it is not used).
 */
export class StagedMultipart {
  private constructor(
    private readonly target: MultipartTarget,
    readonly uploadId: string,
    private readonly parts: CompletedPart[],
    private readonly lease: UploadLease | undefined,
  ) {}

  /**
   * Uploads `first` and the rest of the body as parts, at most `queueSize` in flight: memory stays
   * within (queueSize + 1) parts whatever the size of the body. Any failure aborts the upload.
   */
  static async upload(target: MultipartTarget, reader: BodyReader, first: Buffer): Promise<StagedMultipart> {
    const { client, bucket, key, signal } = target;
    let uploadId: string;
    try {
      // Not cut by the signal: a create cut in flight may still be made in the store, under an id
      // this process never learns and so cannot abort. It is short; an abort meanwhile is seen below.
      const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      uploadId = created.UploadId as string;
    } catch (error) {
      reader.destroy();
      throw storageError(error, 'start an upload');
    }
    // Held before the first part: a replica cleaning orphans must already see this upload as live.
    let lease: UploadLease | undefined;
    try {
      lease = await target.leases?.hold(uploadId);
    } catch (error) {
      reader.destroy();
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      throw new WardenError('ERR_STORAGE_UNAVAILABLE', `cannot hold the lease of an S3 upload (${(error as Error).message})`);
    }
    const staged = new StagedMultipart(target, uploadId, [], lease);
    try {
      signal?.throwIfAborted();
      await staged.sendParts(reader, first);
      return staged;
    } catch (error) {
      // The body's own failure (a client gone, a size limit) as it is; the store's as ERR_STORAGE_UNAVAILABLE.
      reader.destroy();
      await staged.abort();
      throw error;
    }
  }

  private async sendParts(reader: BodyReader, first: Buffer): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    let failure: Error | undefined;
    let body = first;
    for (let partNumber = 1; ; partNumber++) {
      const sending: Promise<void> = this.sendPart(partNumber, body).then(
        () => void inFlight.delete(sending),
        (error: unknown) => {
          inFlight.delete(sending);
          failure ??= storageError(error, 'upload a part');
        },
      );
      inFlight.add(sending);
      while (inFlight.size >= this.target.queueSize && failure === undefined) await Promise.race(inFlight);
      if (failure !== undefined || reader.done) break;
      body = await reader.fill(this.target.partBytes).catch(async (error: unknown) => {
        await Promise.all(inFlight);
        throw error;
      });
      // A body that ended exactly on a part boundary has nothing left for another part.
      if (body.length === 0 && reader.done) break;
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
  }

  private async sendPart(partNumber: number, body: Buffer): Promise<void> {
    const { client, bucket, key, signal } = this.target;
    const sent = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }),
      { abortSignal: signal },
    );
    this.parts.push({ PartNumber: partNumber, ETag: sent.ETag });
  }

  async complete(): Promise<void> {
    const { client, bucket, key } = this.target;
    const parts = [...this.parts].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    try {
      await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId, MultipartUpload: { Parts: parts } }));
    } catch (error) {
      throw storageError(error, 'complete an upload');
    }
    await this.lease?.release();
  }

  /**
   * Best effort: an abort that fails (the store is down) leaves an orphan, which the start-up and
   * periodic cleanup remove once this process's lease has lapsed.
   */
  async abort(): Promise<void> {
    const { client, bucket, key } = this.target;
    const command = new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId });
    // A part whose request was cut (an abort signal) may still be landing in the store and bring the
    // upload back after the abort; S3's documentation says to abort again until it is gone.
    for (let attempt = 0; attempt < ABORT_ATTEMPTS; attempt++) {
      await client.send(command).catch(() => undefined);
      await delay(ABORT_SETTLE_MS * 2 ** attempt);
      if (!(await this.known())) break;
    }
    await this.lease?.release();
  }

  /** Whether the store still lists this upload; any answer but its parts counts as no. */
  private async known(): Promise<boolean> {
    const { client, bucket, key } = this.target;
    return client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId, MaxParts: 1 })).then(
      () => true,
      () => false,
    );
  }
}
