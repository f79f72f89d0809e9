import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CONFIG } from '@warden/http';
import { CapturedLogs, startInIsolation } from '@warden/http/testing';
import { generateSecretSet, secretsUsedBy } from '@warden/secrets';
import { apiserverService } from './apiserver-service';

describe('apiserver start-up', () => {
  it('refuses production without its secrets, naming every required key', async () => {
    const { result, errors } = await startInIsolation(apiserverService, { NODE_ENV: 'production' });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    const required = secretsUsedBy('apiserver').filter((s) => s.required);
    expect(required.length).toBeGreaterThan(0);
    for (const setting of required) expect(errors).toContain(`${setting.path} is not set`);
  });
});

describe('apiserver URLs in production', () => {
  // Production with every secret set; backing services on a closed port: the check comes before them.
  const production = (env: Record<string, string>) => ({
    ...Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value])),
    NODE_ENV: 'production',
    CLEARML__APISERVER__LISTEN_PORT: '0',
    CLEARML__APISERVER__METRICS__ENABLED: 'false',
    CLEARML_REDIS_SERVICE_PORT: '1',
    CLEARML_MONGODB_SERVICE_PORT: '1',
    CLEARML_ELASTIC_SERVICE_PORT: '1',
    ...env,
  });

  it.each([
    ['apiserver.auth.jwks_url', 'CLEARML__APISERVER__AUTH__JWKS_URL', 'http://gateway.internal:8080/.well-known/jwks.json'],
    ['apiserver.auth_gateway.url', 'CLEARML__APISERVER__AUTH_GATEWAY__URL', 'http://gateway.internal:8080'],
  ])('refuses %s over plain http to another host, saying what to set', async (path, envVar, url) => {
    const { result, errors } = await startInIsolation(apiserverService, production({ [envVar]: url }), { destination: new CapturedLogs() });
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    expect(errors).toContain(`apiserver: ERR_CONFIG_INVALID: apiserver refuses to start in production with cleartext URLs`);
    expect(errors).toContain(`${path} (from env ${envVar}) is not https but goes to gateway.internal`);
    expect(errors).toContain(`${envVar}=https://`);
  });

  it('does not ask about the JWKS URL when the keys come from a file', async () => {
    const keyFile = join(mkdtempSync(join(tmpdir(), 'warden-apiserver-keys-')), 'keys.pem');
    writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
    const { result, errors } = await startInIsolation(
      apiserverService,
      production({
        CLEARML__APISERVER__AUTH__PUBLIC_KEY_FILE: keyFile,
        CLEARML__APISERVER__AUTH__JWKS_URL: 'http://gateway.internal/.well-known/jwks.json',
        CLEARML__APISERVER__AUTH_GATEWAY__URL: 'http://gateway.internal:8080',
      }),
      { destination: new CapturedLogs() },
    );
    // Refused for the gateway URL alone. (Start-ups that pass are in apiserver.int.spec.ts, on real backends.)
    expect(result).toEqual({ exitCode: EXIT_CONFIG });
    expect(errors).toContain('apiserver.auth_gateway.url');
    expect(errors).not.toContain('apiserver.auth.jwks_url');
  });
});

describe('apiserver unknown keys', () => {
  it('answers for its own sections of a shared environment', async () => {
    const out: string[] = [];
    const env = {
      CLEARML__APISERVER__AUTH__MAX_EXPIRATION_SEC: '60',
      CLEARML__APISERVER__AUTH__JWKS_URL: 'https://gateway.example/jwks',
      CLEARML__APISERVER__AUTH__JWKS_URLL: 'x',
      CLEARML__APISERVER__MAX_REQUEST_MB: '8',
    };
    const { result } = await startInIsolation(apiserverService, env, { argv: ['config', 'check'], print: (text) => out.push(text) });
    expect(result).toEqual({ exitCode: 0 });
    const warnings = out.filter((line) => line.startsWith('warning:'));
    // apiserver.auth is the gateway's to check: it knows both services' keys there.
    expect(warnings).toEqual([]);
  });
});
