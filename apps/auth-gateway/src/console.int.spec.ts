import { randomBytes } from 'node:crypto';
import { generateSecretSet } from '@warden/secrets';
import { spawnService, waitForStatus, type SpawnedService } from '@warden/http/testing';

// Integration tier: the built gateway serves the console with the assets its build wrote beside
// the bundle.

describe('auth-gateway process: the web console', () => {
  let gateway: SpawnedService;

  beforeAll(async () => {
    gateway = await spawnService('auth-gateway', {
      ...Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value])),
      NODE_ENV: 'production',
      CLEARML__HOSTS__MONGO__AUTH__HOST: `mongodb://127.0.0.1:27017/warden_int_gwc_${randomBytes(6).toString('hex')}`,
      CLEARML__AUTH_GATEWAY__LISTEN_PORT: '0',
      CLEARML__AUTH_GATEWAY__METRICS__ENABLED: 'false',
      CLEARML__AUTH_GATEWAY__CONSOLE__API_HOST: 'https://api.example.org',
    });
    await waitForStatus(`${gateway.url}/ready`, (s) => s === 200, 30_000);
  }, 40_000);
  afterAll(() => gateway.stop());

  it('answers / with the login page and serves its hashed script and style sheet', async () => {
    expect((await fetch(`${gateway.url}/`, { redirect: 'manual' })).headers.get('location')).toBe('/login');
    const page = await fetch(`${gateway.url}/login`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const assets = [...(await page.text()).matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      const res = await fetch(`${gateway.url}${asset}`);
      expect([asset, res.status, (await res.text()).length > 100]).toEqual([asset, 200, true]);
    }
  });
});
