import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WardenClient } from './client';
import { createProgressWriter } from './progress-writer';
import { REAL_CLOCK } from './retry';
import { SdkError } from './sdk-error';
import type { ClientRetryEvent } from './session';
import { FakeClearml, recordingClock, sendError, type Interceptor } from './testing';

const MB = 1024 * 1024;
let fake: FakeClearml;
let work: string;

beforeEach(async () => {
  fake = await new FakeClearml().start();
  work = mkdtempSync(join(tmpdir(), 'warden-transfer-'));
});
afterEach(() => fake.stop());

function makeClient(options: { realTime?: boolean; events?: ClientRetryEvent[] } = {}) {
  const config = { apiHost: fake.apiHost, filesHost: fake.filesHost, accessKey: fake.accessKey, secretKey: fake.secretKey };
  const retry = options.realTime
    ? { retries: 8, baseDelayMs: 100, maxDelayMs: 1000, maxElapsedMs: 20_000, jitter: 0.2 }
    : { retries: 3, baseDelayMs: 1000, maxDelayMs: 16_000, maxElapsedMs: 120_000, jitter: 0.2 };
  const clock = options.realTime ? REAL_CLOCK : recordingClock();
  return new WardenClient({ config, retry, clock, onRetry: (event) => options.events?.push(event) });
}

function smallFile(name = 'data.bin', size = 256 * 1024): { path: string; content: Buffer } {
  const content = randomBytes(size);
  const path = join(work, name);
  writeFileSync(path, content);
  return { path, content };
}

async function bigFile(size: number): Promise<string> {
  const path = join(work, 'big.bin');
  const handle = await open(path, 'w');
  const chunk = randomBytes(MB);
  for (let written = 0; written < size; written += MB) await handle.write(chunk);
  await handle.close();
  return path;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** The fake servers in a child process, so their buffers do not count against the client's RSS. */
async function startFakeInChildProcess() {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'testing', 'fake-clearml-main.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const info = JSON.parse(line) as { apiHost: string; filesHost: string; storageDir: string; accessKey: string; secretKey: string };
  return {
    storageDir: info.storageDir,
    config: { apiHost: info.apiHost, filesHost: info.filesHost, accessKey: info.accessKey, secretKey: info.secretKey },
    stop: async () => {
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

const unavailable: Interceptor = (req, res) => {
  req.resume();
  sendError(res, 503, 'ERR_SERVICE_UNAVAILABLE', 'a backing service is unavailable');
  return true;
};

/** Never lets an uploaded temp file linger on the server: the fileserver stores atomically. */
function leftovers(): string[] {
  return readdirSync(fake.storageDir).filter((name) => name.startsWith('.upload-'));
}

describe('uploadFile', () => {
  it('streams one file as multipart with a Content-Length and stores it under the remote path', async () => {
    const { path, content } = smallFile();
    const client = makeClient();
    const result = await client.uploadFile(path, '/project/task.abc/artifacts/data.bin');
    expect(result).toMatchObject({ remotePath: 'project/task.abc/artifacts/data.bin', size: content.length, stored: ['project/task.abc/artifacts/data.bin'] });
    expect(readFileSync(fake.storedPath('project/task.abc/artifacts/data.bin')).equals(content)).toBe(true);
    const post = fake.requests.find((r) => r.server === 'files' && r.method === 'POST')!;
    expect(Number(post.headers['content-length'])).toBeGreaterThan(content.length);
    expect(post.headers['transfer-encoding']).toBeUndefined();
  });

  it('keeps the client process memory flat while uploading 50 MB', async () => {
    const path = await bigFile(50 * MB);
    const server = await startFakeInChildProcess();
    try {
      const client = new WardenClient({ config: server.config });
      await client.login();
      // Collecting as we sample measures what the client holds, not the read buffers V8 frees lazily.
      const gc = exposeGc();
      gc();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => {
        gc();
        peak = Math.max(peak, process.memoryUsage().rss);
        // A full collection in jest's large heap costs tens of ms on a loaded machine: sampling
        // faster starves the upload it measures.
      }, 100);
      let last = 0;
      try {
        await client.uploadFile(path, 'big/big.bin', { onProgress: ({ done }) => (last = done) });
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      expect(last).toBe(50 * MB);
      expect(await sha256(join(server.storageDir, 'big/big.bin'))).toBe(await sha256(path));
      expect(peak - baseline).toBeLessThan(30 * MB);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('retries after a 503 and sends the file again from the start', async () => {
    const { path, content } = smallFile();
    const client = makeClient();
    await client.login();
    fake.interceptors.push(unavailable);
    const progress: number[] = [];
    await client.uploadFile(path, 'p/data.bin', { onProgress: ({ done }) => progress.push(done) });
    expect(readFileSync(fake.storedPath('p/data.bin')).equals(content)).toBe(true);
    expect(progress.filter((done) => done === 0)).toHaveLength(2);
  });

  it('survives the fileserver restarting mid-upload: nothing half-stored, then the whole file', async () => {
    const path = await bigFile(8 * MB);
    const events: ClientRetryEvent[] = [];
    const client = makeClient({ realTime: true, events });
    await client.login();
    let restarted = false;
    fake.interceptors.push((req, _res, server) => {
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received < 2 * MB || restarted) return;
        restarted = true;
        void server.restartFiles(300);
      });
      return true;
    });
    await client.uploadFile(path, 'restart/big.bin');
    expect(restarted).toBe(true);
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.every((event) => event.error.code === 'ERR_NETWORK' && event.target === 'fileserver')).toBe(true);
    expect(await sha256(fake.storedPath('restart/big.bin'))).toBe(await sha256(path));
    expect(leftovers()).toEqual([]);
  }, 30_000);

  it('logs in again once when the fileserver rejects the token, then uploads', async () => {
    const { path } = smallFile();
    const client = makeClient();
    await client.login();
    fake.tokens.clear();
    await client.uploadFile(path, 'p/data.bin');
    expect(fake.logins).toBe(2);
    expect(existsSync(fake.storedPath('p/data.bin'))).toBe(true);
  });

  it('gives up after the retry budget with the fileserver named', async () => {
    const { path } = smallFile();
    const client = makeClient();
    await client.login();
    fake.interceptors.push(unavailable, unavailable, unavailable, unavailable, unavailable);
    const error = await client.uploadFile(path, 'p/data.bin').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SdkError);
    expect((error as SdkError).message).toBe('fileserver answered 503: a backing service is unavailable: retried 3 times over 7 s');
    expect(existsSync(fake.storedPath('p/data.bin'))).toBe(false);
  });

  it('refuses a missing local file and a remote path that climbs out', async () => {
    const client = makeClient();
    await expect(client.uploadFile(join(work, 'nope'), 'a/b')).rejects.toMatchObject({ code: 'ERR_LOCAL_FILE' });
    const { path } = smallFile();
    await expect(client.uploadFile(path, 'a/../../etc/passwd')).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect(fake.requests).toHaveLength(0);
  });

  it('never shows the secret or token in progress output', async () => {
    const { path } = smallFile('f.bin', 2 * MB);
    const client = makeClient();
    let text = '';
    const writer = createProgressWriter({ label: 'f.bin', output: { isTTY: false, write: (t: string) => (text += t) }, plainIntervalMs: 0 });
    await client.uploadFile(path, 'p/f.bin', { onProgress: (p) => writer.update(p) });
    expect(text).toContain('100%');
    expect(text).not.toContain(fake.secretKey);
    for (const token of fake.tokens) expect(text).not.toContain(token);
  });
});

describe('uploadFolder', () => {
  it('uploads every regular file under the prefix, skipping symlinks', async () => {
    const root = join(work, 'run');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'a.txt'), 'A');
    writeFileSync(join(root, 'sub', 'b.txt'), 'BB');
    symlinkSync('/etc/hostname', join(root, 'link'));
    const client = makeClient();
    const done: string[] = [];
    const skipped: string[] = [];
    const totals: number[] = [];
    const uploaded = await client.uploadFolder(root, 'proj/run', {
      onFileUploaded: (file) => done.push(file.remotePath),
      onSkipped: (relative) => skipped.push(relative),
      onProgress: ({ done: bytes, total }) => totals.push(bytes, total),
    });
    expect(uploaded.map((file) => file.remotePath)).toEqual(['proj/run/a.txt', 'proj/run/sub/b.txt']);
    expect(done).toEqual(['proj/run/a.txt', 'proj/run/sub/b.txt']);
    expect(skipped).toEqual(['link']);
    expect(readFileSync(fake.storedPath('proj/run/sub/b.txt'), 'utf8')).toBe('BB');
    expect(totals.slice(-2)).toEqual([3, 3]);
  });
});

describe('download', () => {
  it('downloads into place through a temp file', async () => {
    const { content } = smallFile();
    mkdirSync(join(fake.storageDir, 'p'));
    writeFileSync(fake.storedPath('p/data.bin'), content);
    const target = join(work, 'out', 'data.bin');
    const result = await makeClient().download('p/data.bin', target);
    expect(result).toEqual({ localPath: target, size: content.length, resumed: 0 });
    expect(readFileSync(target).equals(content)).toBe(true);
    expect(readdirSync(join(work, 'out'))).toEqual(['data.bin']);
  });

  it('resumes with Range after the connection drops mid-body', async () => {
    const content = randomBytes(4 * MB);
    mkdirSync(join(fake.storageDir, 'p'));
    writeFileSync(fake.storedPath('p/data.bin'), content);
    const client = makeClient();
    await client.login();
    fake.interceptors.push((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Length': content.length });
      res.write(content.subarray(0, MB), () => setTimeout(() => res.socket?.destroy(), 50));
      return true;
    });
    const target = join(work, 'data.bin');
    const result = await client.download('p/data.bin', target);
    expect(result.resumed).toBe(1);
    expect(readFileSync(target).equals(content)).toBe(true);
    const gets = fake.requests.filter((r) => r.server === 'files' && r.method === 'GET');
    expect(gets).toHaveLength(2);
    expect(gets[1].headers.range).toMatch(/^bytes=[1-9]\d*-$/);
  });

  it('fails with the server code on a missing object and leaves nothing on disk', async () => {
    const target = join(work, 'missing.bin');
    await expect(makeClient().download('p/missing.bin', target)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND', status: 404 });
    expect(readdirSync(work)).toEqual([]);
  });
});

describe('delete', () => {
  it('deletes one object and many at once', async () => {
    mkdirSync(join(fake.storageDir, 'p'));
    for (const name of ['a', 'b', 'c']) writeFileSync(fake.storedPath(`p/${name}`), name);
    const client = makeClient();
    await client.delete('p/a');
    await client.deleteMany(['p/b', 'p/c']);
    expect(readdirSync(join(fake.storageDir, 'p'))).toEqual([]);
    expect(fake.requests.filter((r) => r.server === 'files').map((r) => `${r.method} ${r.path}`)).toEqual(['DELETE /p/a', 'POST /delete_many']);
  });

  it('reports a missing object', async () => {
    await expect(makeClient().delete('p/none')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });
});
