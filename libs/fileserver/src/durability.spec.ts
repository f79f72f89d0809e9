import { request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { COMPANY_A, as, startTestFileserver, upload, type TestFileserver } from './testing/test-fileserver';

const A = as(COMPANY_A);
const TOTAL = 200 * 1024 * 1024;

/** 200 MB from a generator, never held in memory at once. */
function* body(): Generator<Buffer> {
  const chunk = Buffer.alloc(256 * 1024, 0x5a);
  for (let sent = 0; sent < TOTAL; sent += chunk.length) yield chunk;
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('fileserver upload durability', () => {
  let fs: TestFileserver;

  beforeEach(async () => {
    fs = await startTestFileserver();
  });
  afterEach(() => fs.close());

  it('leaves no partial object, the previous version intact and no temp file or upload when the client aborts halfway', async () => {
    await upload(fs, A, [{ name: 'model/weights.bin', content: 'version one' }]);
    const boundary = 'durability';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="model/weights.bin"; filename="weights.bin"\r\n\r\n`;
    const req = httpRequest(`${fs.url}/`, {
      method: 'POST',
      headers: { ...A, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(head.length + TOTAL + boundary.length + 8) },
    });
    req.on('error', () => undefined);
    req.write(head);
    let sent = 0;
    for (const chunk of body()) {
      if (!req.write(chunk)) await once(req, 'drain');
      sent += chunk.length;
      if (sent >= TOTAL / 2) break;
    }
    // Halfway: the new version is being written to a temp file (an S3 multipart upload), not over the object.
    await until(async () => (await fs.leftovers()).length === 1);
    expect(await fs.content(`${COMPANY_A}/model/weights.bin`)).toBe('version one');
    req.destroy();

    await until(async () => (await fs.leftovers()).length === 0);
    expect(await fs.content(`${COMPANY_A}/model/weights.bin`)).toBe('version one');
    expect(await fs.objects(`${COMPANY_A}/model`)).toEqual(['weights.bin']);
  }, 60_000);
});
