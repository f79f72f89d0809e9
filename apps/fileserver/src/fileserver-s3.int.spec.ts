import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CONFIG } from '@warden/http';
import { CapturedLogs, startInIsolation } from '@warden/http/testing';
import { resolveConfig, runConfigCommand } from '@warden/config';
import { listS3Keys, s3TestClient, s3TestStore, uniqueS3Prefix } from '@warden/storage/testing';
import { DEFAULT_COMPANY, fileserverService } from './fileserver-service';

// Needs the S3 test store (`bash tools/services.sh up s3`) and the shared Redis.
const store = s3TestStore();
const client = s3TestClient(store);
jest.setTimeout(30_000);

function secretFile(value: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'warden-s3-secret-')), 'secret');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return file;
}

/** The fileserver on the S3 test store, auth off; keys through their _FILE variants. */
function s3Env(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CLEARML__fileserver__auth__enabled: 'false',
    CLEARML__FILESERVER__LISTEN_PORT: '0',
    CLEARML__FILESERVER__METRICS__ENABLED: 'false',
    CLEARML__FILESERVER__STORAGE__BACKEND: 's3',
    CLEARML__FILESERVER__STORAGE__S3__BUCKET: store.bucket,
    CLEARML__FILESERVER__STORAGE__S3__PREFIX: uniqueS3Prefix('fileserver'),
    CLEARML__FILESERVER__STORAGE__S3__ENDPOINT: store.endpoint,
    CLEARML__FILESERVER__STORAGE__S3__PATH_STYLE: 'true',
    CLEARML__FILESERVER__STORAGE__S3__ACCESS_KEY_FILE: secretFile(store.access_key),
    CLEARML__FILESERVER__STORAGE__S3__SECRET_KEY_FILE: secretFile(store.secret_key),
    ...overrides,
  };
}

const multipartBody = (name: string, content: string) =>
  `--b\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\n\r\n${content}\r\n--b--\r\n`;

describe('fileserver on S3', () => {
  afterAll(() => client.destroy());

  it('stores uploads in the bucket under prefix/company and serves them with validators and ranges', async () => {
    const env = s3Env();
    const prefix = env.CLEARML__FILESERVER__STORAGE__S3__PREFIX;
    const { result, errors } = await startInIsolation(fileserverService, env, { destination: new CapturedLogs() });
    if ('exitCode' in result) throw new Error(`exited ${result.exitCode}: ${errors}`);
    try {
      const url = `http://127.0.0.1:${result.port}`;
      expect((await fetch(`${url}/ready`)).status).toBe(200);
      const up = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'multipart/form-data; boundary=b' },
        body: multipartBody('p/a.txt', 'hello world'),
      });
      expect([up.status, await up.json()]).toEqual([200, ['p/a.txt']]);
      expect(await listS3Keys(client, store.bucket, prefix)).toEqual([`${DEFAULT_COMPANY}/p/a.txt`]);
      const got = await fetch(`${url}/p/a.txt`);
      expect([got.status, await got.text()]).toEqual([200, 'hello world']);
      const etag = got.headers.get('etag') as string;
      expect((await fetch(`${url}/p/a.txt`, { headers: { 'If-None-Match': etag } })).status).toBe(304);
      const part = await fetch(`${url}/p/a.txt`, { headers: { Range: 'bytes=6-' } });
      expect([part.status, part.headers.get('content-range'), await part.text()]).toEqual([206, 'bytes 6-10/11', 'world']);
    } finally {
      await result.shutdown('test');
    }
  });

  it.each([
    ['a missing bucket', { CLEARML__FILESERVER__STORAGE__S3__BUCKET: 'warden-no-such-bucket' }, /fileserver\.storage\.s3\.bucket/],
    [
      'a wrong secret key',
      { CLEARML__FILESERVER__STORAGE__S3__SECRET_KEY_FILE: secretFile('wrong-secret-value-0123456789') },
      /fileserver\.storage\.s3\.access_key and secret_key/,
    ],
  ])('starts unready with %s, naming the setting on /ready and in the log, never the secret', async (_name, overrides, problem) => {
    const logs = new CapturedLogs();
    const { result, errors } = await startInIsolation(fileserverService, s3Env(overrides), { destination: logs });
    if ('exitCode' in result) throw new Error(`exited ${result.exitCode}: ${errors}`);
    try {
      const ready = await fetch(`http://127.0.0.1:${result.port}/ready`);
      const body = (await ready.json()) as { failing: string[]; checks: Record<string, { error?: string }> };
      expect([ready.status, body.failing]).toEqual([503, ['s3']]);
      expect(body.checks.s3.error).toMatch(problem);
      expect(logs.text).toMatch(problem);
      for (const text of [JSON.stringify(body), logs.text]) {
        expect(text).not.toContain(store.secret_key);
        expect(text).not.toContain('wrong-secret-value-0123456789');
      }
    } finally {
      await result.shutdown('test');
    }
  });

  it.each([
    ['no bucket', { CLEARML__FILESERVER__STORAGE__S3__BUCKET: '' }, 'fileserver.storage.backend is s3 but fileserver.storage.s3.bucket is not set'],
    [
      'an access key without a secret key',
      { CLEARML__FILESERVER__STORAGE__S3__SECRET_KEY_FILE: '' },
      'fileserver.storage.s3.access_key is set but fileserver.storage.s3.secret_key is not',
    ],
    [
      'a CA file that cannot be read',
      { CLEARML__FILESERVER__STORAGE__S3__CA_FILE: '/nonexistent/warden-ca.pem' },
      'fileserver.storage.s3.ca_file: CA file /nonexistent/warden-ca.pem cannot be read (ENOENT)',
    ],
  ])('refuses to start with %s, naming the settings', async (_name, overrides, message) => {
    const env = Object.fromEntries(Object.entries(s3Env(overrides)).filter(([, v]) => v !== ''));
    const { result, errors } = await startInIsolation(fileserverService, env);
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    expect(errors).toContain(message);
  });

  it('keeps the S3 keys out of a config dump and explain', () => {
    const env = { ...s3Env(), CLEARML_CONFIG_DIR: join(tmpdir(), 'warden-none') };
    const config = resolveConfig({
      app: 'fileserver',
      defaults: fileserverService.defaults,
      env,
      cwd: mkdtempSync(join(tmpdir(), 'warden-cwd-')),
    });
    const out: string[] = [];
    for (const args of [['dump'], ['explain', 'fileserver.storage.s3.secret_key'], ['check']])
      runConfigCommand(args, config, fileserverService.schema, (t) => out.push(t));
    expect(out.join('\n')).toContain('fileserver.storage.s3.secret_key');
    expect(out.join('\n')).not.toContain(store.secret_key);
  });
});
