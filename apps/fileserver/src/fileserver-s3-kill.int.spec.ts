import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnService, type SpawnedService } from '@warden/http/testing';
import { listS3Keys, listS3Uploads, s3TestClient, s3TestStore, uniqueS3Prefix, type S3TestStore } from '@warden/storage/testing';
import { DEFAULT_COMPANY } from './fileserver-service';
import { s3StorageEnv } from './testing/storage-env';

// Integration tier: the built fileserver (`nx run fileserver:build`) as its own process on the S3
// test store (`bash tools/services.sh up s3`), with a 2 s upload lease so orphans go quickly.
jest.setTimeout(90_000);
const LEASE_SEC = 2;
const MIB = 1024 * 1024;
const OBJECT = 'model/weights.bin';

function env(store: S3TestStore, prefix: string): Record<string, string> {
  return {
    CLEARML__fileserver__auth__enabled: 'false',
    CLEARML__FILESERVER__LISTEN_PORT: '0',
    CLEARML__FILESERVER__METRICS__ENABLED: 'false',
    ...s3StorageEnv(store, prefix),
    CLEARML__FILESERVER__STORAGE__S3__UPLOAD_LEASE_SEC: String(LEASE_SEC),
  };
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const form = (content: string) => ({
  method: 'POST',
  headers: { 'Content-Type': 'multipart/form-data; boundary=b' },
  body: `--b\r\nContent-Disposition: form-data; name="${OBJECT}"; filename="weights.bin"\r\n\r\n${content}\r\n--b--\r\n`,
});

/** An upload of `OBJECT` whose body is sent by hand: `send(bytes)` more, `finish()` the form. */
function startUpload(url: string): {
  req: ClientRequest;
  answer: Promise<{ status: number; body: string }>;
  send(bytes: number): Promise<void>;
  finish(): void;
} {
  const req = httpRequest(`${url}/`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=b' } });
  const answer = new Promise<{ status: number; body: string }>((resolveAnswer, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
  answer.catch(() => undefined);
  req.write(`--b\r\nContent-Disposition: form-data; name="${OBJECT}"; filename="weights.bin"\r\n\r\n`);
  const chunk = Buffer.alloc(256 * 1024, 7);
  return {
    req,
    answer,
    send: async (bytes) => {
      for (let sent = 0; sent < bytes; sent += chunk.length) if (!req.write(chunk)) await once(req, 'drain');
    },
    finish: () => req.end('\r\n--b--\r\n'),
  };
}

async function kill(service: SpawnedService): Promise<void> {
  const exited = once(service.child, 'exit');
  service.child.kill('SIGKILL');
  await exited;
}

describe('fileserver on S3, killed and cut off mid-upload', () => {
  const store = s3TestStore();
  const client = s3TestClient(store);
  const started: SpawnedService[] = [];
  const start = async (prefix: string, target = store) => {
    const service = await spawnService('fileserver', env(target, prefix));
    started.push(service);
    return service;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
  });
  afterAll(() => client.destroy());

  it('keeps the previous version through a SIGKILL and aborts the orphaned upload after the next start', async () => {
    const prefix = uniqueS3Prefix('kill');
    const first = await start(prefix);
    expect((await fetch(first.url, form('version one'))).status).toBe(200);
    const upload = startUpload(first.url);
    await upload.send(20 * MIB);
    await until(async () => (await listS3Uploads(client, store.bucket, prefix)).length === 1);

    await kill(first);
    upload.req.destroy();
    const second = await start(prefix);
    expect(await (await fetch(`${second.url}/${OBJECT}`)).text()).toBe('version one');
    expect(await listS3Keys(client, store.bucket, prefix)).toEqual([`${DEFAULT_COMPANY}/${OBJECT}`]);
    // Its lease lapses within LEASE_SEC of the kill; the next sweep aborts it.
    await until(async () => (await listS3Uploads(client, store.bucket, prefix)).length === 0);
    expect(await (await fetch(`${second.url}/${OBJECT}`)).text()).toBe('version one');
  });

  it("never aborts another live replica's upload, however long it runs", async () => {
    const prefix = uniqueS3Prefix('replicas');
    const a = await start(prefix);
    const upload = startUpload(a.url);
    await upload.send(10 * MIB);
    await until(async () => (await listS3Uploads(client, store.bucket, prefix)).length === 1);
    // B starts (its start-up sweep) and sweeps every lease period while A's upload goes on for several.
    const b = await start(prefix);
    for (let i = 0; i < 4 * LEASE_SEC; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      await upload.send(MIB);
    }
    upload.finish();
    expect(await upload.answer).toEqual({ status: 200, body: JSON.stringify([OBJECT]) });
    const read = Buffer.from(await (await fetch(`${b.url}/${OBJECT}`)).arrayBuffer());
    expect(read.length).toBe(10 * MIB + 4 * LEASE_SEC * MIB);
    expect(await listS3Uploads(client, store.bucket, prefix)).toEqual([]);
  });

  it('answers ERR_STORAGE_UNAVAILABLE and stores nothing when the S3 server stops mid-upload', async () => {
    const own = await ownS3Store();
    try {
      const prefix = uniqueS3Prefix('cut');
      const service = await start(prefix, own.store);
      const upload = startUpload(service.url);
      await upload.send(10 * MIB);
      own.stop();
      await upload.send(10 * MIB).catch(() => undefined);
      upload.finish();
      const answer = await upload.answer;
      expect([answer.status, (JSON.parse(answer.body) as { meta: { error_data: { code: string } } }).meta.error_data.code]).toEqual([
        503,
        'ERR_STORAGE_UNAVAILABLE',
      ]);
      own.start();
      const ownClient = s3TestClient(own.store);
      expect(await listS3Keys(ownClient, own.store.bucket, prefix)).toEqual([]);
      ownClient.destroy();
      expect((await fetch(`${service.url}/${OBJECT}`)).status).toBe(404);
    } finally {
      own.stop();
    }
  });
});

/** A versitygw of this test's own, which it may stop (the shared one is never touched). */
async function ownS3Store(): Promise<{ store: S3TestStore; start(): void; stop(): void }> {
  const port = await new Promise<number>((resolvePort) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as { port: number };
      server.close(() => resolvePort(free));
    });
  });
  const runDir = mkdtempSync(join(tmpdir(), 'warden-own-s3-'));
  const script = resolve(__dirname, '../../../tools/services/s3.sh');
  const run = (verb: string) =>
    execFileSync('bash', [script, verb], { env: { ...process.env, WARDEN_S3_PORT: String(port), WARDEN_S3_RUN_DIR: runDir }, stdio: 'ignore' });
  run('start');
  return { store: JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8')) as S3TestStore, start: () => run('start'), stop: () => run('stop') };
}
