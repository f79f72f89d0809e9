// The machine's limit for the 4 KiB POST figure (this file, run as a script, is its server): the least a
// server that keeps Warden's guarantee does per upload, and nothing else. An upload is acknowledged
// only once durable and replaces the previous version in one step, so per request: the body read
// whole by Node's bare HTTP server (no multipart parsing, no auth, no logging), written to a new file
// opened with O_DSYNC, renamed over the old one, the folder fsynced. Synchronous calls, in several
// processes so that one's waits for the disk overlap with the others' work (4 to 8 measured alike
// on 2 cores; 2 wait too much, 16 switch too much). A variant sharing each folder fsync among the
// requests that wait for one, as Warden does, measured the same (2,700-2,830/s with 2 to 6
// processes, against 2,750 for this one in the same runs). ClearML's fileserver rewrites the file in
// place instead: no new inode, no fsync, and a reader or a crash meets a half-written file.
import { spawn } from 'node:child_process';
import cluster from 'node:cluster';
import { once } from 'node:events';
import { closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, writevSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const PROCESSES = 6;
const TEMP = '.tmp';

export interface DurableUploadLimit {
  url: string;
  pid: number;
  stop(): void;
}

/** Starts the limit server on `folder` (created); resolves once every process listens. */
export async function startDurableUploadLimit(folder: string): Promise<DurableUploadLimit> {
  mkdirSync(join(folder, TEMP), { recursive: true });
  // The IPC channel only tells the server when the bench is gone, however it ended.
  const child = spawn(process.execPath, [...process.execArgv, __filename, folder], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const [url] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return { url, pid: child.pid!, stop: () => void child.kill() };
}

function primary(folder: string): void {
  const workers = Array.from({ length: PROCESSES }, () => cluster.fork({ LIMIT_FOLDER: folder }));
  Promise.all(workers.map((w) => once(w, 'listening')))
    .then(([[address]]) => console.log(`http://127.0.0.1:${(address as { port: number }).port}`))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  // Stopped by the bench, or the bench gone without stopping it: the workers go with it.
  const stop = () => {
    for (const w of workers) w.kill();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
}

function worker(folder: string): void {
  process.on('disconnect', () => process.exit(0));
  const dir = openSync(folder, constants.O_RDONLY | constants.O_DIRECTORY);
  let count = 0;
  createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const temp = join(folder, TEMP, `${process.pid}-${count++}`);
      const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DSYNC, 0o644);
      writevSync(fd, chunks);
      closeSync(fd);
      renameSync(temp, join(folder, 'post.bin'));
      fsyncSync(dir);
      res.setHeader('Content-Type', 'application/json');
      res.end('["post.bin"]');
    });
  }).listen(0, '127.0.0.1');
}

if (require.main === module) {
  if (cluster.isPrimary) primary(process.argv[2]);
  else worker(process.env['LIMIT_FOLDER']!);
}
