import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapturedLogs, startInIsolation } from '@warden/http/testing';
import { DEFAULT_COMPANY, fileserverService } from './fileserver-service';

// The service as deployed (kit listener + fileserver routes), auth off, with a 1 s idle timeout so
// the principle shows in seconds; the same run at 1 MB/s for over five minutes is in the README.
const IDLE_SEC = 1;
const BOUNDARY = 'trickle';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  body: string;
}

function answerOf(req: ClientRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** A chunked multipart upload whose body the test writes piece by piece. */
function openUpload(url: string, name: string) {
  const req = httpRequest(`${url}/`, { method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` } });
  const answer = answerOf(req);
  req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\n\r\n`);
  return { req, answer, finish: () => req.end(`\r\n--${BOUNDARY}--\r\n`) };
}

describe('fileserver transfers are bounded by idleness, not duration', () => {
  let storage: string;
  let url: string;
  let running: Exclude<Awaited<ReturnType<typeof startInIsolation>>['result'], { exitCode: number }>;

  beforeAll(async () => {
    storage = mkdtempSync(join(tmpdir(), 'warden-fileserver-idle-'));
    const { result } = await startInIsolation(
      fileserverService,
      {
        CLEARML__fileserver__auth__enabled: 'false',
        CLEARML__fileserver__storage__path: storage,
        CLEARML__fileserver__idle_timeout_sec: String(IDLE_SEC),
        CLEARML__FILESERVER__LISTEN_PORT: '0',
        CLEARML__FILESERVER__METRICS__ENABLED: 'false',
        CLEARML_REDIS_SERVICE_PORT: '1',
      },
      { destination: new CapturedLogs() },
    );
    if ('exitCode' in result) throw new Error(`exited ${result.exitCode}`);
    running = result;
    url = `http://127.0.0.1:${result.port}`;
  });
  afterAll(() => running.shutdown('test'));

  const stored = () => readdirSync(join(storage, DEFAULT_COMPANY), { recursive: true }).map(String).sort();
  const temp = () => readdirSync(join(storage, '.warden-tmp'));

  it("has no total-request limit (Node's 300 s cut honest uploads at about 328 s), only the idle bound", () => {
    expect(running.server.requestTimeout).toBe(0);
    expect(running.server.timeout).toBe(IDLE_SEC * 1000);
    // Headers must still arrive in time: a slow-headers client is cut as before.
    expect(running.server.headersTimeout).toBeGreaterThan(0);
  });

  it('caps an upload at 16 GiB by default, refusing a larger declared body before reading it', async () => {
    const req = httpRequest(`${url}/`, {
      method: 'POST',
      headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': String(16 * 1024 ** 3 + 1) },
    });
    req.on('error', () => undefined);
    req.write('--');
    const answer = await answerOf(req);
    req.destroy();
    expect([answer.status, JSON.parse(answer.body).meta.error_data.code]).toEqual([413, 'ERR_PAYLOAD_TOO_LARGE']);
  });

  it('takes a trickling upload that lasts several idle timeouts, byte for byte', async () => {
    const upload = openUpload(url, 'slow/model.bin');
    const hash = createHash('sha256');
    const started = Date.now();
    // 64 KiB every 200 ms for 3.5 s: three and a half idle timeouts long, never idle for one.
    for (let i = 0; Date.now() - started < 3500; i++) {
      const chunk = Buffer.alloc(64 * 1024, i % 251);
      hash.update(chunk);
      upload.req.write(chunk);
      await sleep(200);
    }
    upload.finish();
    const answer = await upload.answer;
    expect([answer.status, JSON.parse(answer.body)]).toEqual([200, ['slow/model.bin']]);
    expect(Date.now() - started).toBeGreaterThan(3 * IDLE_SEC * 1000);
    const download = Buffer.from(await (await fetch(`${url}/slow/model.bin`)).arrayBuffer());
    expect(createHash('sha256').update(download).digest('hex')).toBe(hash.digest('hex'));
  });

  it('answers an upload that stalls for longer than the idle timeout with 408, keeping nothing', async () => {
    const upload = openUpload(url, 'stalled.bin');
    upload.req.write(Buffer.alloc(256 * 1024, 1));
    const started = Date.now();
    const answer = await upload.answer;
    expect(Date.now() - started).toBeLessThan(IDLE_SEC * 1000 + 2000);
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ meta: { error_data: { code: 'ERR_UPLOAD_IDLE_TIMEOUT' } } });
    upload.req.destroy();
    expect(stored()).not.toContain('stalled.bin');
    expect(temp()).toEqual([]);
  });

  it('ends a download whose reader stops reading for longer than the idle timeout', async () => {
    const size = 32 * 1024 * 1024;
    const big = openUpload(url, 'big.bin');
    big.req.write(Buffer.alloc(size, 2));
    big.finish();
    expect((await big.answer).status).toBe(200);
    const req = httpRequest(`${url}/big.bin`);
    req.on('error', () => undefined);
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    // Not read for two idle timeouts: the buffers fill and nothing moves, so the server lets go.
    res.pause();
    await sleep(2 * IDLE_SEC * 1000 + 500);
    let received = 0;
    res.on('data', (chunk: Buffer) => (received += chunk.length));
    const closed = new Promise((resolve) => res.on('close', resolve));
    res.on('error', () => undefined);
    res.resume();
    await closed;
    expect(res.complete).toBe(false);
    expect(received).toBeLessThan(size);
  });
});
