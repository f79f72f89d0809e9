import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CONFIG } from '@warden/http';
import { CapturedLogs, startInIsolation } from '@warden/http/testing';
import { generateKey, generateSecret, generateSecretSet } from '@warden/secrets';
import { AUTH_DISABLED_WARNING, DEFAULT_COMPANY, fileserverService } from './fileserver-service';
import { DEFAULT_STORAGE_PATH, openStorage, storagePath } from './fileserver-storage';

const tempDir = () => mkdtempSync(join(tmpdir(), 'warden-fileserver-app-'));

describe('fileserver start-up', () => {
  it('refuses production without its secret, and tolerates the fileserver credentials ClearML deployments still set', async () => {
    const { result, errors } = await startInIsolation(fileserverService, {
      NODE_ENV: 'production',
      CLEARML__SECURE__CREDENTIALS__FILESERVER__USER_KEY: 'GSQWPEKSKNKF354LC9V6BHXKTYFD5I',
    });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    expect(errors).toMatch(/secure\.http\.session_secret\.apiserver is not set/);
    // The fileserver holds no credentials, so it neither needs nor judges them.
    expect(errors).not.toContain('credentials');
    expect(errors).not.toContain('GSQWPEKSKNKF354LC9V6BHXKTYFD5I');
  });

  it('stops on a badly typed setting, naming the key and its source', async () => {
    const { result, errors } = await startInIsolation(fileserverService, { CLEARML__fileserver__auth__enabled: 'sometimes' });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    expect(errors).toContain('fileserver.auth.enabled: Expected boolean, received string ("sometimes" from env CLEARML__fileserver__auth__enabled)');
  });

  it('warns at start-up and on /ready when auth is turned off, and once about keys it does not read', async () => {
    const logs = new CapturedLogs();
    const secret = generateSecret();
    const { result } = await startInIsolation(
      fileserverService,
      {
        CLEARML__fileserver__auth__enabled: 'false',
        CLEARML__fileserver__storage__path: tempDir(),
        CLEARML__FILESERVER__STORAGE__BACKND: 'bogus',
        CLEARML__FILESERVER__LISTEN_PORT: '0',
        CLEARML__FILESERVER__METRICS__ENABLED: 'false',
        CLEARML_REDIS_SERVICE_PORT: '1',
        CLEARML__SECURE__CREDENTIALS__FILESERVER__USER_KEY: generateKey(),
        CLEARML__SECURE__CREDENTIALS__FILESERVER__USER_SECRET: secret,
      },
      { destination: logs },
    );
    if ('exitCode' in result) throw new Error(`exited ${result.exitCode}`);
    try {
      const ready = await fetch(`http://127.0.0.1:${result.port}/ready`);
      const body = (await ready.json()) as { failing: string[]; warnings: string[] };
      expect(ready.status).toBe(503);
      expect(body.failing).toEqual(['redis']);
      expect(body.warnings).toEqual([AUTH_DISABLED_WARNING]);
      expect(logs.text).toContain(AUTH_DISABLED_WARNING);
      expect(logs.text.split('unknown key').length - 1).toBe(1);
      expect(logs.text).toContain(
        'unknown key fileserver.storage.backnd (from env CLEARML__FILESERVER__STORAGE__BACKND [env]): no Warden service reads it; did you mean fileserver.storage.backend?',
      );
      expect(logs.text).not.toContain(secret);
    } finally {
      await result.shutdown('test');
    }
  });
});

describe('fileserver JWKS URL in production', () => {
  const production = (env: Record<string, string>) => ({
    ...Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value])),
    NODE_ENV: 'production',
    CLEARML__fileserver__storage__path: tempDir(),
    CLEARML__FILESERVER__LISTEN_PORT: '0',
    CLEARML__FILESERVER__METRICS__ENABLED: 'false',
    CLEARML_REDIS_SERVICE_PORT: '1',
    ...env,
  });
  const REMOTE_HTTP = 'http://gateway.internal:8080/.well-known/jwks.json';

  it('refuses plain http to another host, saying what to set', async () => {
    const { result, errors } = await startInIsolation(fileserverService, production({ CLEARML__FILESERVER__AUTH__JWKS_URL: REMOTE_HTTP }), {
      destination: new CapturedLogs(),
    });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    expect(errors).toContain('fileserver: ERR_CONFIG_INVALID: fileserver refuses to start in production with cleartext URLs');
    expect(errors).toContain('fileserver.auth.jwks_url (from env CLEARML__FILESERVER__AUTH__JWKS_URL) is not https but goes to gateway.internal');
    expect(errors).toContain('CLEARML__FILESERVER__AUTH__JWKS_URL=https://');
  });

  it.each([
    ['http to localhost', { CLEARML__FILESERVER__AUTH__JWKS_URL: 'http://localhost:8080/.well-known/jwks.json' }],
    ['https to another host', { CLEARML__FILESERVER__AUTH__JWKS_URL: 'https://gateway.internal/.well-known/jwks.json' }],
    ['an unused URL, auth being off', { CLEARML__FILESERVER__AUTH__JWKS_URL: REMOTE_HTTP, CLEARML__fileserver__auth__enabled: 'false' }],
  ])('starts with %s', async (_name, env) => {
    const { result, errors } = await startInIsolation(fileserverService, production(env), { destination: new CapturedLogs() });
    if ('exitCode' in result) throw new Error(`exited ${result.exitCode}: ${errors}`);
    await result.shutdown('test');
  });
});

describe('fileserver storage and access', () => {
  const base = (storage: string, extra: Record<string, string> = {}) => ({
    CLEARML__fileserver__storage__path: storage,
    CLEARML__FILESERVER__LISTEN_PORT: '0',
    CLEARML__FILESERVER__METRICS__ENABLED: 'false',
    CLEARML_REDIS_SERVICE_PORT: '1',
    ...extra,
  });
  const multipartBody = (name: string, content: string) =>
    `--b\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\n\r\n${content}\r\n--b--\r\n`;

  it("takes the storage path from config, then CLEARML_UPLOAD_FOLDER, then ClearML's folder", () => {
    expect(storagePath('/conf', { CLEARML_UPLOAD_FOLDER: '/env' }).path).toBe('/conf');
    expect(storagePath(undefined, { CLEARML_UPLOAD_FOLDER: '/env' })).toEqual({ path: '/env', source: 'env CLEARML_UPLOAD_FOLDER' });
    expect(storagePath(undefined, {}).path).toBe(DEFAULT_STORAGE_PATH);
  });

  it('reports a storage folder that cannot be created as a configuration error naming it', async () => {
    const blocker = join(tempDir(), 'a-file');
    writeFileSync(blocker, '');
    await expect(openStorage(join(blocker, 'store'), 'env CLEARML_UPLOAD_FOLDER')).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining(`${blocker}/store (from env CLEARML_UPLOAD_FOLDER) cannot be created or written (ENOTDIR)`),
    });
  });

  it("with auth off, stores under ClearML's default company and cleans crash leftovers at start-up", async () => {
    const storage = tempDir();
    mkdirSync(join(storage, '.warden-tmp'));
    writeFileSync(join(storage, '.warden-tmp', 'crashed.part'), 'partial');
    const { result } = await startInIsolation(fileserverService, base(storage, { CLEARML__fileserver__auth__enabled: 'false' }), {
      destination: new CapturedLogs(),
    });
    if ('exitCode' in result) throw new Error(`exited ${result.exitCode}`);
    try {
      expect(readdirSync(join(storage, '.warden-tmp'))).toEqual([]);
      const url = `http://127.0.0.1:${result.port}`;
      const up = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=b' }, body: multipartBody('p/a.txt', 'hello') });
      expect([up.status, await up.json()]).toEqual([200, ['p/a.txt']]);
      expect(readFileSync(join(storage, DEFAULT_COMPANY, 'p/a.txt'), 'utf8')).toBe('hello');
      expect(await (await fetch(`${url}/p/a.txt`)).text()).toBe('hello');
    } finally {
      await result.shutdown('test');
    }
  });

  it('with auth on, refuses every file request until token checks are wired in', async () => {
    const storage = tempDir();
    const { result } = await startInIsolation(fileserverService, base(storage), { destination: new CapturedLogs() });
    if ('exitCode' in result) throw new Error(`exited ${result.exitCode}`);
    try {
      const url = `http://127.0.0.1:${result.port}`;
      const up = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=b' }, body: multipartBody('a.txt', 'x') });
      expect(up.status).toBe(401);
      expect((await fetch(`${url}/a.txt`)).status).toBe(401);
      expect((await fetch(`${url}/a.txt`, { method: 'DELETE' })).status).toBe(401);
      expect((await fetch(`${url}/delete_many`, { method: 'POST', body: '{"files":["a.txt"]}' })).status).toBe(401);
      expect((await fetch(url)).status).toBe(200);
      expect(readdirSync(storage)).toEqual(['.warden-tmp']);
    } finally {
      await result.shutdown('test');
    }
  });
});
