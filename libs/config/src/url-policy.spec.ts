import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './errors';
import { resolveConfig } from './resolve';
import { isLoopbackHost, refuseCleartextUrls } from './url-policy';

const tempDir = () => mkdtempSync(join(tmpdir(), 'warden-url-policy-'));
const PATHS = ['apiserver.auth.jwks_url', 'apiserver.auth_gateway.url'];

function check(urls: { jwks: string; gateway: string }, nodeEnv = 'production'): string | undefined {
  const resolved = resolveConfig({
    app: 'apiserver',
    defaults: { apiserver: { auth: { jwks_url: 'http://127.0.0.1:8080/.well-known/jwks.json' }, auth_gateway: { url: 'http://127.0.0.1:8080' } } },
    env: {
      NODE_ENV: nodeEnv,
      CLEARML_CONFIG_DIR: tempDir(),
      CLEARML__APISERVER__AUTH__JWKS_URL: urls.jwks,
      CLEARML__APISERVER__AUTH_GATEWAY__URL: urls.gateway,
    },
    cwd: tempDir(),
  });
  try {
    refuseCleartextUrls(resolved, PATHS);
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    return error.message;
  }
}

const LOCAL_GATEWAY = 'http://127.0.0.1:8080';

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST', '127.0.0.1', '127.8.9.10', '[::1]', '::1', '[::ffff:7f00:1]'])('%s stays on this machine', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['gateway.internal', '10.0.0.5', '0.0.0.0', '128.0.0.1', '[::]', '[::2]', 'localhost.evil.example', '127.0.0.1.nip.io', '[::ffff:a00:5]'])(
    '%s does not',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('refuseCleartextUrls in production', () => {
  it.each([
    'http://gateway.internal:8080/.well-known/jwks.json',
    'http://10.0.0.5/.well-known/jwks.json',
    'http://localhost.evil.example/.well-known/jwks.json',
    'ftp://127.0.0.1/jwks.json',
  ])('refuses %s as a JWKS URL, naming the key, its source and the fix', (jwks) => {
    const message = check({ jwks, gateway: LOCAL_GATEWAY });
    expect(message).toContain('apiserver refuses to start in production');
    expect(message).toContain('apiserver.auth.jwks_url (from env CLEARML__APISERVER__AUTH__JWKS_URL) is not https');
    expect(message).toContain('CLEARML__APISERVER__AUTH__JWKS_URL=https://');
    expect(message).not.toContain('auth_gateway.url');
  });

  it('refuses a plain-http gateway URL to another host, without showing credentials in it', () => {
    const message = check({ jwks: 'https://gateway.internal/.well-known/jwks.json', gateway: 'http://svc:hunter2-password@gateway.internal:8080' });
    expect(message).toContain('apiserver.auth_gateway.url (from env CLEARML__APISERVER__AUTH_GATEWAY__URL) is not https but goes to gateway.internal');
    expect(message).not.toContain('hunter2-password');
  });

  it('lists every offending URL at once', () => {
    const message = check({ jwks: 'http://gateway.internal/.well-known/jwks.json', gateway: 'http://gateway.internal:8080' });
    expect(message).toContain('apiserver.auth.jwks_url');
    expect(message).toContain('apiserver.auth_gateway.url');
  });

  it.each([
    ['https to another host', 'https://gateway.internal/.well-known/jwks.json'],
    ['http to 127.0.0.1', 'http://127.0.0.1:8080/.well-known/jwks.json'],
    ['http to localhost', 'http://localhost:8080/.well-known/jwks.json'],
    ['http to ::1', 'http://[::1]:8080/.well-known/jwks.json'],
  ])('accepts %s', (_name, jwks) => {
    expect(check({ jwks, gateway: LOCAL_GATEWAY })).toBeUndefined();
  });
});

describe('refuseCleartextUrls in development', () => {
  it('lets plain http to another host through', () => {
    expect(check({ jwks: 'http://gateway.internal/.well-known/jwks.json', gateway: 'http://gateway.internal:8080' }, 'development')).toBeUndefined();
  });
});
