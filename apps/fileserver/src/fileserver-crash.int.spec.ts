import { request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnService, type SpawnedService } from '@warden/http/testing';
import { DEFAULT_COMPANY } from './fileserver-service';

// Integration tier: the built fileserver (`nx run fileserver:build`) as its own process.
const env = (storage: string) => ({
  CLEARML__fileserver__auth__enabled: 'false',
  CLEARML__fileserver__storage__path: storage,
  CLEARML__FILESERVER__LISTEN_PORT: '0',
  CLEARML__FILESERVER__METRICS__ENABLED: 'false',
});

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function form(name: string, content: string): { body: string; type: string } {
  return {
    body: `--b\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\n\r\n${content}\r\n--b--\r\n`,
    type: 'multipart/form-data; boundary=b',
  };
}

describe('fileserver process crash', () => {
  let service: SpawnedService | undefined;
  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });

  it('keeps the previous version through a SIGKILL mid-upload and cleans the temp file on restart', async () => {
    const storage = mkdtempSync(join(tmpdir(), 'warden-fileserver-crash-'));
    const tempDir = join(storage, '.warden-tmp');
    const object = join(storage, DEFAULT_COMPANY, 'model', 'weights.bin');
    service = await spawnService('fileserver', env(storage));
    const v1 = form('model/weights.bin', 'version one');
    expect((await fetch(service.url, { method: 'POST', headers: { 'Content-Type': v1.type }, body: v1.body })).status).toBe(200);

    const req = httpRequest(`${service.url}/`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=b' } });
    req.on('error', () => undefined);
    req.write('--b\r\nContent-Disposition: form-data; name="model/weights.bin"; filename="weights.bin"\r\n\r\n');
    const chunk = Buffer.alloc(256 * 1024, 1);
    for (let i = 0; i < 200; i++) if (!req.write(chunk)) await once(req, 'drain');
    await until(() => readdirSync(tempDir).some((name) => statSync(join(tempDir, name)).size > 0));

    const exited = once(service.child, 'exit');
    service.child.kill('SIGKILL');
    await exited;
    req.destroy();
    service = undefined;
    expect(readFileSync(object, 'utf8')).toBe('version one');
    expect(readdirSync(tempDir)).toHaveLength(1);

    service = await spawnService('fileserver', env(storage));
    expect(readdirSync(tempDir)).toEqual([]);
    expect(await (await fetch(`${service.url}/model/weights.bin`)).text()).toBe('version one');
  }, 60_000);

  it('exits with EXIT_CONFIG, naming the folder, when the storage folder cannot be created', async () => {
    const blocker = join(mkdtempSync(join(tmpdir(), 'warden-fileserver-bad-')), 'a-file');
    writeFileSync(blocker, '');
    await expect(spawnService('fileserver', env(join(blocker, 'store')))).rejects.toThrow(
      new RegExp(`exited with 78 before listening:[\\s\\S]*${blocker}/store \\(from fileserver.storage.path\\) cannot be created or written \\(ENOTDIR\\)`),
    );
  }, 30_000);
});
