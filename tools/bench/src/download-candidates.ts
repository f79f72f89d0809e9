// The ways Node can send a whole file over HTTP/1.1, each behind its own path of one server that
// runs in a process of its own (this file, run as a script): the download bench picks by these.
import { once } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';

const KiB = 1024;
const MiB = 1024 * KiB;

type Sender = (handle: FileHandle, size: number, res: ServerResponse) => Promise<void>;

const readStream =
  (highWaterMark: number): Sender =>
  (handle, size, res) =>
    pipeline(handle.createReadStream({ start: 0, end: size - 1, autoClose: false, highWaterMark }), res);

/**
 * Reads into a few buffers allocated once and reused, each read again only after the socket has
 * taken the bytes written from it (the write callback): no allocation or page fault per chunk.
 */
const reusedBuffers =
  (bufferBytes: number, count: number): Sender =>
  async (handle, size, res) => {
    const free = Array.from({ length: count }, () => Buffer.allocUnsafeSlow(bufferBytes));
    const waiting: Array<() => void> = [];
    const release = (buffer: (typeof free)[number]) => {
      free.push(buffer);
      waiting.shift()?.();
    };
    for (let position = 0; position < size;) {
      if (free.length === 0) await new Promise<void>((r) => waiting.push(r));
      const buffer = free.pop()!;
      const { bytesRead } = await handle.read(buffer, 0, Math.min(bufferBytes, size - position), position);
      if (bytesRead === 0) throw new Error('file shrank');
      position += bytesRead;
      res.write(buffer.subarray(0, bytesRead), () => release(buffer));
    }
    res.end();
    await once(res, 'finish');
  };

// Node 20's yields ArrayBuffers, which Readable.fromWeb refuses: written by hand, with back-pressure.
const webStream: Sender = async (handle, _size, res) => {
  for await (const chunk of handle.readableWebStream() as unknown as AsyncIterable<ArrayBuffer>) {
    if (!res.write(new Uint8Array(chunk))) await once(res, 'drain');
  }
  res.end();
  await once(res, 'finish');
};

export const CANDIDATES: Record<string, Sender> = {
  'fs.ReadStream 256 KiB (current)': readStream(256 * KiB),
  'fs.ReadStream 1 MiB': readStream(MiB),
  'fs.ReadStream 4 MiB': readStream(4 * MiB),
  'reused buffers 2 x 1 MiB': reusedBuffers(MiB, 2),
  'reused buffers 4 x 1 MiB': reusedBuffers(MiB, 4),
  'reused buffers 2 x 4 MiB': reusedBuffers(4 * MiB, 2),
  'FileHandle.readableWebStream': webStream,
};

function serve(file: string): void {
  const names = Object.keys(CANDIDATES);
  const server = createServer((req, res) => {
    const send = CANDIDATES[names[Number(req.url?.slice(1))]];
    void (async () => {
      const handle = await open(file, 'r');
      try {
        const { size } = await handle.stat();
        res.writeHead(200, { 'Content-Length': size, 'Content-Type': 'application/octet-stream' });
        await send(handle, size, res);
      } finally {
        await handle.close();
      }
    })().catch((error: unknown) => {
      console.error(error);
      res.destroy();
    });
  });
  server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${(server.address() as { port: number }).port}`));
}

if (require.main === module) serve(process.argv[2]);
