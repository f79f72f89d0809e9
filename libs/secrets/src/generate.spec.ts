import { formatSecrets, generateKey, generateSecret, generateSecretSet } from './generate';
import { evaluateSecrets } from './policy';
import { SECRET_SETTINGS } from './registry';

describe('secret generator', () => {
  it('makes 30-character keys of A-Z0-9', () => {
    for (let i = 0; i < 200; i++) expect(generateKey()).toMatch(/^[A-Z0-9]{30}$/);
  });

  it('makes 50-60 URL-safe secrets that do not start with - or _', () => {
    const lengths = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const secret = generateSecret();
      expect(secret).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{49,59}$/);
      lengths.add(secret.length);
    }
    expect(Math.min(...lengths)).toBe(50);
    expect(Math.max(...lengths)).toBe(60);
  });

  it('never repeats a value and spreads over the whole alphabet', () => {
    const keys = Array.from({ length: 500 }, generateKey);
    expect(new Set(keys).size).toBe(500);
    const seen = new Set(keys.join(''));
    expect(seen.size).toBe(36);
  });

  it('produces a set that passes the production policy', () => {
    const set = generateSecretSet();
    expect(set.length).toBe(SECRET_SETTINGS.filter((s) => s.kind === 'key' || s.kind === 'secret').length);
    expect(evaluateSecrets(set.map((s) => ({ setting: s.setting, value: s.value })))).toEqual([]);
  });

  it('renders .env, compose and helm formats', () => {
    const set = generateSecretSet();
    const token = set.find((s) => s.envVar === 'CLEARML__SECURE__AUTH__TOKEN_SECRET')!;
    expect(formatSecrets(set, 'env')).toContain(`CLEARML__SECURE__AUTH__TOKEN_SECRET=${token.value}\n`);
    const compose = formatSecrets(set, 'compose');
    expect(compose).toMatch(/^# deploy\/compose\/\.env: /);
    expect(compose).toContain(`\nCLEARML__SECURE__AUTH__TOKEN_SECRET=${token.value}\n`);
    const helm = formatSecrets(set, 'helm');
    expect(helm).toMatch(/^authGateway:\n {2}extraEnvs:\n {4}- name: CLEARML__/);
    const fileserverPart = helm.slice(helm.indexOf('fileserver:'));
    expect(fileserverPart).toContain('CLEARML__SECURE__HTTP__SESSION_SECRET__APISERVER');
    // The fileserver uses no token secret, credentials or operator secret, so it is handed none.
    expect(fileserverPart).not.toContain('TOKEN_SECRET');
    expect(fileserverPart).not.toContain('CREDENTIALS');
    expect(fileserverPart).not.toContain('OPERATOR_SECRET');
    expect(helm.slice(0, helm.indexOf('apiserver:'))).toContain('CLEARML__SECURE__AUTH__OPERATOR_SECRET');
  });
});
