import { Readable, type Writable } from 'node:stream';
import { READ_BUFFER_BYTES, type Connection } from './get-connection';
import { releasesOnCallback } from './write-ownership';

/**
 * A response body of known length read from its connection: as a Readable for any consumer (each
 * read copied out, the read buffer reused), or by `sendTo` written from the read buffers straight
 * to a client's socket, nothing copied or allocated (copies to any other destination). Once its
 * last byte is read the connection goes back through `release`; a body destroyed or failed before
 * that closes it, and so does a store that sent more than it announced.
 */
export class ResponseBody extends Readable {
  private remaining: number;
  private leftover: Buffer;
  private reusable: boolean;
  private started = false;
  private settled = false;
  private onFailure: (error: Error) => void = (error) => this.destroy(error);

  constructor(
    private readonly connection: Connection,
    bytes: number,
    /** Body bytes read with the head: a copy, not the connection's read buffer. */
    leftover: Buffer,
    keepAlive: boolean,
    private readonly release: (connection: Connection) => void,
  ) {
    super({ highWaterMark: READ_BUFFER_BYTES });
    this.remaining = bytes;
    this.reusable = keepAlive;
    this.leftover = this.bodyPart(leftover);
    connection.onEnd = (error) => {
      if (this.settled) return;
      this.settled = true;
      this.onFailure(error);
    };
  }

  /** Writes the body to `destination` and ends it; settles when it is written, failed or abandoned. */
  sendTo(destination: Writable, failWith: (error: Error) => Error): Promise<void> {
    this.start();
    return new Promise<void>((resolve) => {
      const done = () => {
        destination.off('drain', onDrain);
        destination.off('close', onClose);
        destination.off('finish', done);
        resolve();
      };
      const onDrain = () => {
        if (!this.settled) this.connection.resume();
      };
      // A client that went away: stop reading from the store.
      const onClose = () => {
        this.destroy();
        done();
      };
      this.onFailure = (error) => {
        destination.destroy(failWith(error));
        done();
      };
      destination.on('drain', onDrain);
      destination.once('close', onClose);
      destination.once('finish', done);
      if (this.leftover.length > 0) destination.write(this.leftover);
      if (this.remaining === 0) return this.complete(() => destination.end());
      const zeroCopy = releasesOnCallback(destination);
      this.connection.sink = (chunk, claim) => {
        const part = this.bodyPart(chunk);
        if (zeroCopy) {
          const buffer = claim();
          destination.write(part, () => this.connection.pool.give(buffer));
        } else destination.write(Buffer.from(part));
        if (this.remaining === 0) return this.complete(() => destination.end());
        return !destination.writableNeedDrain;
      };
      this.connection.resume();
    });
  }

  override _read(): void {
    if (this.started) {
      if (!this.settled) this.connection.resume();
      return;
    }
    this.start();
    if (this.leftover.length > 0) this.push(this.leftover);
    if (this.remaining === 0) return void this.complete(() => this.push(null));
    this.connection.sink = (chunk) => {
      const more = this.push(Buffer.from(this.bodyPart(chunk)));
      if (this.remaining === 0) return this.complete(() => this.push(null));
      return more;
    };
    this.connection.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.settled) {
      this.settled = true;
      this.connection.destroy();
    }
    // As Node's IncomingMessage: a body nobody reads or listens to (a timed-out connection under
    // an unread body) must not take the process down with an unhandled 'error'.
    callback(this.listenerCount('error') > 0 ? error : null);
  }

  private start(): void {
    if (this.started) throw new Error('the response body is already being read');
    this.started = true;
  }

  /** The part of `chunk` that belongs to the body; bytes past its end make the connection unusable. */
  private bodyPart(chunk: Buffer): Buffer {
    if (chunk.length > this.remaining) this.reusable = false;
    const part = chunk.length > this.remaining ? chunk.subarray(0, this.remaining) : chunk;
    this.remaining -= part.length;
    return part;
  }

  /** The last byte is in: hands the connection back (or closes it), then ends the consumer's side. */
  private complete(end: () => void): false {
    this.settled = true;
    if (this.reusable) this.release(this.connection);
    else this.connection.destroy();
    end();
    return false;
  }
}
