import { generateKeyPairSync } from 'node:crypto';
import { generateKey, generateSecret } from './generate';
import { describeFindings, evaluateSecrets } from './policy';
import { findSecretSetting, isSecretPath, secretsUsedBy } from './registry';

const setting = (path: string) => findSecretSetting(path)!;

describe('secret policy', () => {
  const tokenSecret = setting('secure.auth.token_secret');
  const apiKey = setting('secure.credentials.apiserver.user_key');

  it.each([
    ['missing', undefined],
    ['missing', ''],
    ['known-default', 'Rq8FW84sSqVgq7WvBB_4EzNl9y8z8IGiDXX3C345_a5AZfcwZcwCIA'],
    ['known-default', '7E1ua3xP9GT2(cIQOfhjp+gwN6spBeCAmN-XuugYle00I=Wc+u'],
    ['known-default', 'new-secret-string'],
    ['too-short', 'a'.repeat(49)],
  ])('flags a %s token secret', (problem, value) => {
    expect(evaluateSecrets([{ setting: tokenSecret, value }])).toEqual([expect.objectContaining({ problem })]);
  });

  it('accepts a generated secret and key', () => {
    expect(
      evaluateSecrets([
        { setting: tokenSecret, value: generateSecret() },
        { setting: apiKey, value: generateKey() },
      ]),
    ).toEqual([]);
  });

  it('flags the published ClearML access key and a short key', () => {
    const findings = evaluateSecrets([
      { setting: apiKey, value: '62T8CP7HGBC6647XF9314C2VY67RJO' },
      { setting: setting('secure.credentials.tests.user_key'), value: 'ABC' },
    ]);
    expect(findings.map((f) => f.problem)).toEqual(['known-default', 'too-short']);
  });

  it('checks an optional private key only when set, and only accepts strong key types', () => {
    const signing = setting('secure.auth.signing_key');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' });
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' });
    expect(evaluateSecrets([{ setting: signing, value: undefined }])).toEqual([]);
    expect(evaluateSecrets([{ setting: signing, value: ec }])).toEqual([]);
    expect(evaluateSecrets([{ setting: signing, value: weak }])[0].problem).toBe('invalid-private-key');
    expect(evaluateSecrets([{ setting: signing, value: 'not a key' }])[0].problem).toBe('invalid-private-key');
  });

  it('checks the optional operator secret only when set, like any other secret', () => {
    const operator = setting('secure.auth.operator_secret');
    expect(operator).toMatchObject({ required: false, kind: 'secret', usedBy: ['auth-gateway'] });
    expect(evaluateSecrets([{ setting: operator, value: undefined }])).toEqual([]);
    expect(evaluateSecrets([{ setting: operator, value: generateSecret() }])).toEqual([]);
    expect(evaluateSecrets([{ setting: operator, value: 'changeme' }])[0].problem).toBe('known-default');
    expect(evaluateSecrets([{ setting: operator, value: 'o'.repeat(49) }])[0].problem).toBe('too-short');
  });

  it("gives the fileserver no gateway credentials to hold, only its backing stores' (Redis, S3)", () => {
    expect(findSecretSetting('secure.credentials.fileserver.user_key')).toBeUndefined();
    expect(
      secretsUsedBy('fileserver')
        .map((s) => s.path)
        .sort(),
    ).toEqual([
      'fileserver.storage.s3.access_key',
      'fileserver.storage.s3.secret_key',
      'hosts.redis.apiserver.password',
      'secure.http.session_secret.apiserver',
    ]);
  });

  it('describes each finding with the key and env var but never the value', () => {
    const value = 'Rq8FW84sSqVgq7WvBB_4EzNl9y8z8IGiDXX3C345_a5AZfcwZcwCIA';
    const [line] = describeFindings(evaluateSecrets([{ setting: tokenSecret, value, source: 'secure.conf:10' }]));
    expect(line).toContain('secure.auth.token_secret');
    expect(line).toContain('CLEARML__SECURE__AUTH__TOKEN_SECRET');
    expect(line).toContain('secure.conf:10');
    expect(line).not.toContain(value);
  });

  it('recognises secret paths in and beyond the registry', () => {
    expect(isSecretPath('SECURE.AUTH.TOKEN_SECRET')).toBe(true);
    expect(isSecretPath('secure.login.sso.oauth_client.keycloak.client_secret')).toBe(true);
    expect(isSecretPath('auth.fixed_users.users.0.password')).toBe(true);
    expect(isSecretPath('secure.credentials.apiserver.role')).toBe(false);
    expect(isSecretPath('apiserver.listen_port')).toBe(false);
  });
});
