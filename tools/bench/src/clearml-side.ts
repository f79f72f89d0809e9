import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const STANDIN_DIR = resolve(__dirname, '../clearml-fileserver');
// ClearML deploys its fileserver under gunicorn with sync workers; the comparison used five.
export const CLEARML_WORKERS = 5;

export interface ClearmlSide {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/**
 * The stand-in for ClearML's fileserver (standin.py, Flask) under gunicorn, from the venv that
 * setup.sh installs (cached), serving `folder`. Resolves once it answers the ping.
 */
export async function startClearmlSide(folder: string): Promise<ClearmlSide> {
  const bin = execFileSync(join(STANDIN_DIR, 'setup.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const port = await freePort();
  const child = spawn(join(bin, 'gunicorn'), ['-w', String(CLEARML_WORKERS), '-t', '600', '--bind', `127.0.0.1:${port}`, 'standin:app'], {
    cwd: STANDIN_DIR,
    env: { PATH: process.env.PATH ?? '', CLEARML_UPLOAD_FOLDER: folder },
    // Its per-request log lines are written, as ClearML's are, and not kept.
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gunicorn exited with ${child.exitCode} before answering`);
    const ok = await fetch(`${url}/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error('gunicorn did not answer within 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
