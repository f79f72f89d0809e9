import { generateSecretSet } from '@warden/secrets';
import { spawnService, waitForStatus } from '@warden/http/testing';
import { testStorage } from './testing/storage-env';

// Integration tier: the built app as its own process, in production mode, against the real services.
describe('fileserver process', () => {
  it.each([
    ['local', ['redis', 'revocations']],
    ['s3', ['redis', 'revocations', 's3']],
  ])(
    'starts in production with generated secrets on %s storage, is ready, and never prints a secret',
    async (backend, checks) => {
      const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
      const storage = testStorage(backend as 'local' | 's3').env;
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
