import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSecretSet } from '@warden/secrets';
import { spawnService, waitForStatus } from '@warden/http/testing';
import { s3TestStore, uniqueS3Prefix } from '@warden/storage/testing';

/** Each backend's settings; S3 on the test store (`bash tools/services.sh up s3`). */
const BACKENDS: Record<string, () => Record<string, string>> = {
  local: () => ({ CLEARML__fileserver__storage__path: mkdtempSync(join(tmpdir(), 'warden-fileserver-')) }),
  s3: () => {
    const store = s3TestStore();
    return {
      CLEARML__FILESERVER__STORAGE__BACKEND: 's3',
      CLEARML__FILESERVER__STORAGE__S3__BUCKET: store.bucket,
      CLEARML__FILESERVER__STORAGE__S3__PREFIX: uniqueS3Prefix('fileserver'),
      CLEARML__FILESERVER__STORAGE__S3__ENDPOINT: store.endpoint,
      CLEARML__FILESERVER__STORAGE__S3__PATH_STYLE: 'true',
      CLEARML__FILESERVER__STORAGE__S3__ACCESS_KEY: store.access_key,
      CLEARML__FILESERVER__STORAGE__S3__SECRET_KEY: store.secret_key,
    };
  },
};

// Integration tier: the built app as its own process, in production mode, against the real services.
describe('fileserver process', () => {
  it.each([
    ['local', ['redis', 'revocations']],
    ['s3', ['redis', 'revocations', 's3']],
  ])(
    'starts in production with generated secrets on %s storage, is ready, and never prints a secret',
    async (backend, checks) => {
      const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
      const storage = BACKENDS[backend]();
      const service = await spawnService('fileserver', {
        ...secrets,
        ...storage,
        NODE_ENV: 'production',
        CLEARML__FILESERVER__LISTEN_PORT: '0',
        CLEARML__FILESERVER__METRICS__ENABLED: 'false',
      });
      try {
        const ready = await waitForStatus(`${service.url}/ready`, (s) => s === 200);
        expect(Object.keys((ready.body as { checks: object }).checks).sort()).toEqual(checks);
      } finally {
        expect(await service.stop()).toBe(0);
      }
      const s3Secret = storage.CLEARML__FILESERVER__STORAGE__S3__SECRET_KEY;
      for (const value of [...Object.values(secrets), ...(s3Secret ? [s3Secret] : [])]) expect(service.output()).not.toContain(value);
    },
    30_000,
  );
});
