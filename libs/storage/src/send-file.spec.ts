import { randomBytes } from 'node:crypto';
import { mkdtempSync, truncateSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { LocalStorage } from './local-storage';

const MiB = 1024 * 1024;

async function stored(content: Buffer): Promise<{ storage: LocalStorage; path: string }> {
  const root = mkdtempSync(join(tmpdir(), 'warden-send-'));
  const storage = new LocalStorage(root);
  await storage.put('o.bin', PassThrough.from([content]));
  return { storage, path: join(root, 'o.bin') };
}

/**
 * A destination that, like a socket, is done with a chunk once its write callback has run (a
 * PassThrough is not: it hands the very chunk on to its reader later).
 */
function socketLike(): { sink: Writable; received: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      setImmediate(done);
    },
  });
  return { sink, received: () => Buffer.concat(chunks) };
}

/** How many files this process holds open. */
async function openFiles(): Promise<number> {
  return (await readdir('/proc/self/fd')).length;
}

describe('OpenedObject.sendTo', () => {
  // Sizes around the reused buffers' edges: one buffer, exactly two, more than two (reused).
  it.each([1, 4096, MiB, 2 * MiB, 3 * MiB + 12345])('sends %i bytes whole and by range, byte for byte', async (size) => {
    const content = randomBytes(size);
    const { storage } = await stored(content);
    const whole = socketLike();
    await (await storage.open('o.bin'))!.sendTo(whole.sink);
    await finished(whole.sink);
    expect(whole.received().equals(content)).toBe(true);
    const start = Math.floor(size / 3);
    const part = socketLike();
    await (await storage.open('o.bin'))!.sendTo(part.sink, { start, end: size - 2 });
    await finished(part.sink);
    expect(part.received().equals(content.subarray(start, size - 1))).toBe(true);
  });

  it('stops and closes the file when the destination closes mid-transfer', async () => {
    const { storage } = await stored(randomBytes(8 * MiB));
    const before = await openFiles();
    let taken = 0;
    const client = new Writable({
      write(chunk: Buffer, _encoding, done) {
        taken += chunk.length;
        if (taken >= MiB) this.destroy();
        done();
      },
    });
    await (await storage.open('o.bin'))!.sendTo(client);
    expect(taken).toBeLessThan(8 * MiB);
    expect(await openFiles()).toBe(before);
  });

  it('destroys the destination rather than end it short when the file shrinks while being sent', async () => {
    const { storage, path } = await stored(randomBytes(4 * MiB));
    const opened = (await storage.open('o.bin'))!;
    truncateSync(path, MiB);
    const { sink } = socketLike();
    const failed = new Promise<Error>((resolve) => sink.once('error', resolve));
    await opened.sendTo(sink);
    expect((await failed).message).toBe('file shrank while being sent');
    expect(sink.writableFinished).toBe(false);
  });

  it('allows one read per opened object: sendTo, then stream, is refused', async () => {
    const { storage } = await stored(Buffer.from('x'));
    const opened = (await storage.open('o.bin'))!;
    await opened.sendTo(socketLike().sink);
    expect(() => opened.stream()).toThrow(/already being read/);
  });
});
