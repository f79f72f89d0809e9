import type { Readable } from 'node:stream';
import { WardenError } from '@warden/errors';
import type { PutOptions } from './storage-adapter';

/**
 * Reads an upload body in pieces of a chosen size, counting against its size limit and giving up
 * on abort. Pulling (async iteration) rather than listening keeps backpressure: the next piece is
 * read only when the caller asks, so memory holds what the caller holds and no more.
 */
export class BodyReader {
  private readonly iterator: AsyncIterator<Buffer | string>;
  private carry: Buffer | undefined;
  private total = 0;
  done = false;

  constructor(
    private readonly body: NodeJS.ReadableStream,
    private readonly options: PutOptions,
  ) {
    this.iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  }

  get bytes(): number {
    return this.total;
  }

  /** Up to `size` bytes (more only by the last chunk's overshoot); fewer only at the end of the body. */
  async fill(size: number): Promise<Buffer> {
    const chunks: Buffer[] = this.carry ? [this.carry] : [];
    let length = this.carry?.length ?? 0;
    this.carry = undefined;
    while (length < size && !this.done) {
      const chunk = await this.next();
      if (chunk === undefined) break;
      chunks.push(chunk);
      length += chunk.length;
    }
    const piece = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
    if (piece.length <= size) return piece;
    this.carry = piece.subarray(size);
    return piece.subarray(0, size);
  }

  /** Stops the body for good (the client's request is answered without reading the rest). */
  destroy(): void {
    (this.body as Partial<Readable>).destroy?.();
  }

  private async next(): Promise<Buffer | undefined> {
    const { signal, maxBytes = 0 } = this.options;
    if (signal?.aborted) throw asError(signal.reason);
    const result = await raceAbort(this.iterator.next(), signal);
    if (result.done) {
      this.done = true;
      return undefined;
    }
    const chunk = typeof result.value === 'string' ? Buffer.from(result.value) : result.value;
    this.total += chunk.length;
    if (maxBytes > 0 && this.total > maxBytes) throw new WardenError('ERR_PAYLOAD_TOO_LARGE', `object is larger than ${maxBytes} bytes`);
    return chunk;
  }
}

/** A body that stalls must not hold the upload once the request is aborted. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(asError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(asError(error));
      },
    );
  });
}

/** An abort's reason is a DOMException, which is not an Error here; callers tell it by its name. */
export function asError(reason: unknown): Error {
  return reason instanceof Error || reason instanceof DOMException ? reason : new Error(String(reason));
}
