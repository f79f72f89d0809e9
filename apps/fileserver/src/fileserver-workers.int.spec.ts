import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listeningCount, spawnService, waitForStatus, workerPids, type SpawnedService } from '@warden/http/testing';
import { DEFAULT_COMPANY } from './fileserver-service';

// Integration tier: the built fileserver as a pool of two workers behind one port.
const env = (storage: string) => ({
  CLEARML__FILESERVER__WORKERS: '2',
  CLEARML__fileserver__auth__enabled: 'false',
  CLEARML__fileserver__storage__path: storage,
  CLEARML__FILESERVER__LISTEN_PORT: '0',
  CLEARML__FILESERVER__METRICS__ENABLED: 'false',
});

const PART_HEAD = (name: string) => `--b\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\n\r\n`;
const PART_TAIL = '\r\n--b--\r\n';

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** An upload whose body is sent up to its last bytes and held there until `finish()`. */
async function heldUpload(url: string, name: string, content: Buffer) {
  const req: ClientRequest = httpRequest(`${url}/`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=b' } });
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  req.write(PART_HEAD(name));
  if (!req.write(content)) await once(req, 'drain');
  return {
    answered,
    finish: async () => {
      req.end(PART_TAIL);
      const res = await answered;
      let body = '';
      for await (const chunk of res) body += chunk;
      return { status: res.statusCode, body };
    },
  };
}

async function upload(url: string, name: string, content: string): Promise<number> {
  const body = `${PART_HEAD(name)}${content}${PART_TAIL}`;
  return (await fetch(`${url}/`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=b' }, body })).status;
}

describe('fileserver with workers', () => {
  let service: SpawnedService | undefined;
  let storage: string;
  const tempDir = () => join(storage, '.warden-tmp');

  beforeEach(async () => {
    storage = mkdtempSync(join(tmpdir(), 'warden-fileserver-workers-'));
    service = await spawnService('fileserver', env(storage), 40_000);
    await waitForStatus(`${service.url}/ready`, (s) => s === 200, 30_000);
    await until(() => listeningCount(service!, 'fileserver') === 2, 20_000);
  }, 60_000);

  afterEach(async () => {
    if (service && service.child.exitCode === null) await service.stop();
    service = undefined;
  });

  it("answers other requests while one upload is held, and a worker's death neither loses the upload nor its temp file", async () => {
    expect(await upload(service!.url, 'model/weights.bin', 'version one')).toBe(200);
    const held = await heldUpload(service!.url, 'model/weights.bin', Buffer.alloc(1024 * 1024, 7));
    await until(() => readdirSync(tempDir()).some((name) => name.endsWith('.part')));
    const writer = Number(/^(\d+)-/.exec(readdirSync(tempDir())[0])?.[1]);
    const pids = workerPids(service!);
    expect(pids).toContain(writer);
    const other = pids.find((pid) => pid !== writer)!;

    // The other worker dies; its replacement cleans the temp folder at start-up, sparing the live writer's file.
    process.kill(other, 'SIGKILL');
    await until(() => listeningCount(service!, 'fileserver') === 3, 20_000);
    expect(readdirSync(tempDir())).toHaveLength(1);
    const reads = await Promise.all(Array.from({ length: 10 }, () => fetch(`${service!.url}/model/weights.bin`, { headers: { Connection: 'close' } })));
    for (const res of reads) expect(await res.text()).toBe('version one');

    expect(await held.finish()).toEqual({ status: 200, body: '["model/weights.bin"]' });
    expect(readFileSync(join(storage, DEFAULT_COMPANY, 'model', 'weights.bin'))).toEqual(Buffer.alloc(1024 * 1024, 7));
    expect(readdirSync(tempDir())).toEqual([]);
  }, 60_000);

  it('drains on SIGTERM: an upload in flight completes, then every worker exits and the primary exits 0', async () => {
    const held = await heldUpload(service!.url, 'drained.bin', Buffer.from('last words'));
    await until(() => readdirSync(tempDir()).length === 1);
    const pids = workerPids(service!);
    const exited = new Promise<number | null>((r) => service!.child.once('exit', (code) => r(code)));
    service!.child.kill('SIGTERM');
    await until(() => service!.output().includes('shutting down: draining in-flight requests'));
    expect(await held.finish()).toEqual({ status: 200, body: '["drained.bin"]' });
    expect(await exited).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(readFileSync(join(storage, DEFAULT_COMPANY, 'drained.bin'), 'utf8')).toBe('last words');
  }, 60_000);
});
