import { randomBytes } from 'node:crypto';
import { mkdtempSync, truncateSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { LocalStorage } from './local-storage';
import { socketPair } from './testing';

const MiB = 1024 * 1024;

async function stored(content: Buffer): Promise<{ storage: LocalStorage; path: string }> {
  const root = mkdtempSync(join(tmpdir(), 'warden-send-'));
  const storage = new LocalStorage(root);
  await storage.put('o.bin', PassThrough.from([content]));
  return { storage, path: join(root, 'o.bin') };
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
    const whole = await socketPair();
    await (await storage.open('o.bin'))!.sendTo(whole.sink);
    expect((await whole.received()).equals(content)).toBe(true);
    const start = Math.floor(size / 3);
    const part = await socketPair();
    await (await storage.open('o.bin'))!.sendTo(part.sink, { start, end: size - 2 });
    expect((await part.received()).equals(content.subarray(start, size - 1))).toBe(true);
  });

  it('sends copies to a destination that is not a socket, which may hold on to what it was given', async () => {
    const content = randomBytes(5 * MiB + 3);
    const { storage } = await stored(content);
    const sink = new PassThrough();
    const [received] = await Promise.all([buffer(sink), (await storage.open('o.bin'))!.sendTo(sink)]);
    expect(received.equals(content)).toBe(true);
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
    const sink = new PassThrough();
    const failed = new Promise<Error>((resolve) => sink.once('error', resolve));
    await opened.sendTo(sink);
    expect((await failed).message).toBe('file shrank while being sent');
    expect(sink.writableFinished).toBe(false);
  });

  it('allows one read per opened object: sendTo, then stream, is refused', async () => {
    const { storage } = await stored(Buffer.from('x'));
    const opened = (await storage.open('o.bin'))!;
    await opened.sendTo(new PassThrough().resume());
    expect(() => opened.stream()).toThrow(/already being read/);
  });
});
