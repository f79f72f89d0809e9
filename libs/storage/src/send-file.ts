import type { Writable } from 'node:stream';
import type { DirectCalls } from './direct-calls';
import { releasesOnCallback } from './write-ownership';

/** Each read fills one of these; two per transfer let one read run while the other's bytes are written. */
const BUFFER_BYTES = 1024 * 1024;
const BUFFERS = 2;

/**
 * Copies bytes [start, end) of an open file to a writable, then ends it and closes the file. Chosen by measurement over
 * fs.ReadStream at 256 KiB, 1 MiB and 4 MiB, FileHandle.readableWebStream and other buffer counts
 * (`npm run bench downloads`): a read stream allocates a fresh buffer for every read, and the page
 * faults of touching new memory cost as much CPU as the copy itself; here two buffers are allocated
 * once and each is read into again only when the socket has taken what was written from it (the
 * write callback), so at most two buffers' worth of a transfer is ever in memory.
 */
export async function sendFileRange(fd: number, start: number, end: number, destination: Writable, calls: DirectCalls): Promise<void> {
  const length = end - start;
  // Only a socket is done with a buffer when it calls back; anything else gets copies.
  const reuse = releasesOnCallback(destination);
  const free = Array.from({ length: Math.min(BUFFERS, Math.ceil(length / BUFFER_BYTES)) }, () => Buffer.allocUnsafeSlow(Math.min(BUFFER_BYTES, length)));
  let wake: (() => void) | undefined;
  let closed = destination.destroyed;
  const onClose = () => {
    closed = true;
    wake?.();
  };
  destination.once('close', onClose);
  try {
    if (length <= 0) destination.end();
    for (let position = start; position < end && !closed;) {
      if (free.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      if (closed) break;
      const buffer = free.pop()!;
      const bytesRead = await calls.read(fd, buffer, Math.min(buffer.length, end - position), position);
      // Truncated while being sent: the length promised in the headers can no longer be kept.
      if (bytesRead === 0) throw new Error('file shrank while being sent');
      position += bytesRead;
      const read = buffer.subarray(0, bytesRead);
      const chunk = reuse ? read : Buffer.from(read);
      if (position >= end) destination.end(chunk);
      else
        destination.write(chunk, () => {
          free.push(buffer);
          wake?.();
        });
    }
  } catch (error) {
    destination.destroy(error as Error);
  } finally {
    destination.off('close', onClose);
    await calls.close(fd);
  }
}
