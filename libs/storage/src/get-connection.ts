import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** Bytes per socket read: four times Node's 64 KiB, a quarter of the reads for a large object. */
export const READ_BUFFER_BYTES = 256 * 1024;

/**
 * Read buffers that go from a socket read to a client write and come back when the write is done,
 * so a download allocates none: Node's http client allocates a buffer per read and copies each body
 * chunk into another, and those gigabytes of short-lived buffers cost more than the copying itself.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(private readonly keep: number) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
  }

  give(buffer: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buffer);
  }
}

/**
 * What becomes of the bytes of one read. `claim` takes the read buffer for good (the pool's again
 * once the taker gives it back); unclaimed, the next read reuses it. False pauses reading.
 */
export type ReadSink = (chunk: Buffer, claim: () => Buffer) => boolean;

export interface Origin {
  protocol: 'http:' | 'https:';
  host: string;
  port: number;
}

export class ConnectionClosedError extends Error {
  readonly code = 'ECONNRESET';

  constructor(message = 'the store closed the connection') {
    super(message);
    this.name = 'ConnectionClosedError';
  }
}

const ignore: ReadSink = () => true;

/**
 * One keep-alive connection to the store whose reads land in pooled buffers (the `onread` mode of
 * net and tls sockets). Its user sets `sink` for the bytes and `onEnd` for the close or error that
 * ends it; an idle connection ignores both and is dropped from the idle list by its owner.
 */
export class Connection {
  readonly socket: Socket;
  readonly pool: BufferPool;
  sink: ReadSink = ignore;
  onEnd: (error: Error) => void = () => undefined;
  private readBuffer: Buffer | null = null;
  private ended: Error | null = null;

  /** `ca`: the roots an https store's certificate must chain to, instead of Node's (with NODE_EXTRA_CA_CERTS). */
  constructor(origin: Origin, pool: BufferPool, ca?: string[]) {
    this.pool = pool;
    const onread = {
      buffer: () => (this.readBuffer ??= pool.take()),
      callback: (bytes: number, buffer: Buffer) => this.deliver(bytes, buffer),
    };
    const target = { host: origin.host, port: origin.port, onread };
    this.socket =
      origin.protocol === 'https:' ? tlsConnect({ ...target, ca, servername: servername(origin.host), ALPNProtocols: ['http/1.1'] }) : netConnect(target);
    this.socket.setNoDelay(true);
    this.socket.on('error', (error) => this.end(error));
    this.socket.on('close', () => this.end(new ConnectionClosedError()));
  }

  get alive(): boolean {
    return this.ended === null;
  }

  resume(): void {
    if (this.alive) this.socket.resume();
  }

  destroy(): void {
    this.end(new ConnectionClosedError('the connection was closed by the fileserver'));
  }

  private deliver(bytes: number, buffer: Buffer): boolean {
    if (!this.alive) return false;
    let claimed = false;
    const more = this.sink(buffer.subarray(0, bytes), () => {
      claimed = true;
      return buffer;
    });
    if (claimed && this.readBuffer === buffer) this.readBuffer = null;
    return more;
  }

  private end(error: Error): void {
    if (this.ended) return;
    this.ended = error;
    this.sink = ignore;
    this.socket.destroy();
    this.onEnd(error);
  }
}

/** SNI takes a host name, never an address. */
function servername(host: string): string | undefined {
  return /^[\d.]+$|:/.test(host) ? undefined : host;
}
