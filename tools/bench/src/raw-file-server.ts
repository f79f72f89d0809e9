import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';

/**
 * The baseline for the fileserver: a plain Node HTTP server that writes a request body straight to a
 * file (fsynced, like the fileserver) and serves a file straight back. No parsing, no checks.
 */
async function startRawFileServer(dir: string): Promise<string> {
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
  return `http://127.0.0.1:${port}/raw-object`;
}

/**
 * The same server in a process of its own, as the fileserver has: a server sharing the load
 * generator's event loop would make the baseline slower and flatter the fileserver.
 */
export async function spawnRawFileServer(dir: string): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  // process.execArgv carries tsx's loader, so the child runs this very file.
  const child = spawn(process.execPath, [...process.execArgv, __filename, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout }), 'line'),
    exited.then(() => Promise.reject(new Error('the raw file server exited before listening'))),
  ])) as [string];
  return {
    url: line,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

if (require.main === module) {
  void startRawFileServer(process.argv[2]).then((url) => console.log(url));
}
