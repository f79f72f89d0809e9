import { ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';

/**
 * Whether `destination` is done with a written buffer when the write's callback runs, so the buffer
 * may be filled again: true of a socket (the bytes are in the kernel, or encrypted, by then) and of
 * an HTTP/1 response, which writes to its socket. A stream in between (a PassThrough, a compressor,
 * a test's collector) calls back while its reader may still hold the very buffer, so it gets copies.
 */
export function releasesOnCallback(destination: Writable): boolean {
  return destination instanceof Socket || destination instanceof ServerResponse;
}
