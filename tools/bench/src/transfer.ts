import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { request, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { multipartFileBody } from '@warden/sdk';

/** Bytes per second of a transfer of `bytes` that took `ms`. */
export const rate = (bytes: number, ms: number) => (bytes / ms) * 1000;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** Whom https URLs trust (the TLS bench's private CA); Node's global agent otherwise. */
let httpsAgent: Agent | undefined;
export function useHttpsAgent(agent: Agent): void {
  httpsAgent = agent;
}

function send(url: string, method: string, headers: Record<string, string | number>, body?: NodeJS.ReadableStream): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = url.startsWith('https:') ? httpsRequest(url, { method, headers, agent: httpsAgent }, resolve) : request(url, { method, headers }, resolve);
    req.on('error', reject);
    if (body) body.pipe(req);
    else req.end();
  });
}

async function drain(res: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of res) if (text.length < 4096) text += chunk;
  if ((res.statusCode ?? 0) >= 300) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
  return text;
}

/** A ClearML-protocol upload: one multipart part whose field name is the object path. */
export function uploadMultipart(baseUrl: string, file: string, remotePath: string, headers: Record<string, string> = {}): Promise<number> {
  const body = multipartFileBody({ fieldName: remotePath, fileName: remotePath.split('/').pop() ?? 'file', filePath: file, size: statSync(file).size });
  return timed(async () => {
    const res = await send(`${baseUrl}/`, 'POST', { ...headers, 'Content-Type': body.contentType, 'Content-Length': body.contentLength }, body.open());
    await drain(res);
  });
}

/** Downloads and discards, so only the server and the network path are measured. */
export function download(url: string, headers: Record<string, string> = {}): Promise<number> {
  return timed(async () => {
    const res = await send(url, 'GET', headers);
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode} for ${url}`);
    for await (const chunk of res) void chunk;
  });
}

/** A file of `bytes` random-looking bytes: one random MiB repeated, as nothing on the path compresses. */
export async function writeTestFile(path: string, bytes: number): Promise<void> {
  const block = randomBytes(Math.min(bytes, 1024 * 1024));
  async function* blocks() {
    for (let left = bytes; left > 0; left -= block.length) yield left >= block.length ? block : block.subarray(0, left);
  }
  await pipeline(Readable.from(blocks()), createWriteStream(path));
}

/**
 * The machine's limit for moving bytes already in memory, in MB/s: the cached file copied by dd in
 * 1 MiB blocks into tmpfs (page cache to page cache, no disk, so no writeback throttling from this
 * bench or a neighbour's build), removed at once.
 */
export async function pageCacheCopy(from: string): Promise<number> {
  const to = join(existsSync('/dev/shm') ? '/dev/shm' : dirname(from), `warden-page-cache-copy-${process.pid}`);
  const started = performance.now();
  try {
    await promisify(execFile)('dd', [`if=${from}`, `of=${to}`, 'bs=1M', 'status=none']);
    return rate(statSync(to).size, performance.now() - started) / 1e6;
  } finally {
    rmSync(to, { force: true });
  }
}
