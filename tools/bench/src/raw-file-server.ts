import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * The baseline for the fileserver: a plain Node HTTP server that writes a request body straight to a
 * file (fsynced, like the fileserver) and serves a file straight back. No parsing, no checks.
 */
export async function startRawFileServer(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = join(dir, 'raw-object');
    if (req.method === 'POST') {
      void pipeline(req, createWriteStream(path))
        .then(async () => {
          const handle = await open(path, 'r+');
          await handle.sync();
          await handle.close();
          res.end('ok');
        })
        .catch(() => res.destroy());
      return;
    }
    void pipeline(createReadStream(path), res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/raw-object`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
