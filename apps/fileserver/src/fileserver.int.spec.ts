import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSecretSet } from '@warden/secrets';
import { spawnService, waitForStatus } from '@warden/http/testing';

// Integration tier: the built app as its own process, in production mode, against the real services.
describe('fileserver process', () => {
  it('starts in production with generated secrets, is ready, and never prints a secret', async () => {
    const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
    const service = await spawnService('fileserver', {
      ...secrets,
      NODE_ENV: 'production',
      CLEARML__FILESERVER__LISTEN_PORT: '0',
      CLEARML__FILESERVER__METRICS__ENABLED: 'false',
      CLEARML__fileserver__storage__path: mkdtempSync(join(tmpdir(), 'warden-fileserver-')),
    });
    try {
      const ready = await waitForStatus(`${service.url}/ready`, (s) => s === 200);
      expect(Object.keys((ready.body as { checks: object }).checks).sort()).toEqual(['redis', 'revocations']);
    } finally {
      expect(await service.stop()).toBe(0);
    }
    for (const value of Object.values(secrets)) expect(service.output()).not.toContain(value);
  }, 30_000);
});
