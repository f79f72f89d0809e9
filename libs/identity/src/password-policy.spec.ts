import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WardenError } from '@warden/errors';
import { DEFAULT_PASSWORD_POLICY, MIN_POLICY_LENGTH, PasswordPolicy } from './password-policy';

const shipped = JSON.parse(readFileSync(join(__dirname, 'data/common-passwords.json'), 'utf8')) as string[];

async function refusal(promise: Promise<unknown>): Promise<WardenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WardenError)) throw new Error(`expected a WardenError, got ${String(error)}`);
  return error;
}

describe('password policy', () => {
  const policy = new PasswordPolicy();

  it('ships a list of thousands of common passwords, none shorter than the lowest minimum', () => {
    expect(shipped.length).toBeGreaterThan(10_000);
    expect(shipped.every((p) => p === p.toLowerCase() && [...p].length >= MIN_POLICY_LENGTH)).toBe(true);
    expect(shipped).toEqual(expect.arrayContaining(['password', 'qwertyuiop', '1q2w3e4r5t6y']));
  });

  it('defaults to 12 to 256 characters', () => {
    expect(DEFAULT_PASSWORD_POLICY).toEqual({ min_length: 12, max_length: 256 });
  });

  it.each([
    ['too short', 'Tr0ub4dor&3', undefined, 'min_length', 'password must be at least 12 characters long'],
    ['too long', 'x7'.repeat(129), undefined, 'max_length', 'password must be at most 256 characters long'],
    ['the username', 'Margaret-Hamilton', 'margaret-hamilton', 'username', 'password must not contain the username'],
    ['containing the username', 'my name is grace hopper!', 'Grace', 'username', 'password must not contain the username'],
    ['a common password', '1q2w3e4r5t6y', undefined, 'common', 'password is on the list of commonly used passwords'],
    ['a common password in other case', 'QwErTyUiOp123', undefined, 'common', 'password is on the list of commonly used passwords'],
  ])('refuses a password %s with 400 ERR_PASSWORD_POLICY naming the rule', async (_label, password, username, rule, message) => {
    const error = await refusal(policy.assert(password, username));
    expect([error.code, error.status, error.data.rule, error.message]).toEqual(['ERR_PASSWORD_POLICY', 400, rule, message]);
    expect(JSON.stringify({ message: error.message, data: error.data })).not.toContain(password);
  });

  it('counts characters, not UTF-16 units or bytes', async () => {
    expect(await policy.violation('🔑'.repeat(11))).toMatchObject({ rule: 'min_length' });
    expect(await policy.violation('🔑'.repeat(12))).toBeUndefined();
  });

  it('accepts passphrases, and short usernames inside them', async () => {
    await expect(policy.assert('correct horse battery staple', 'bob')).resolves.toBe('correct horse battery staple');
    await expect(policy.assert('totally fine passphrase', 'al')).resolves.toBeDefined();
  });

  it('refuses a non-string', async () => {
    expect((await refusal(policy.assert(12345678901234))).code).toBe('ERR_PASSWORD_POLICY');
  });

  it('follows configured lengths and refuses settings that would weaken it', async () => {
    const relaxed = new PasswordPolicy({ min_length: 8, max_length: 16 });
    expect(await relaxed.violation('kettle-orbit')).toBeUndefined();
    expect(await relaxed.violation('kettle-orbit-lantern')).toMatchObject({ rule: 'max_length' });
    expect(await relaxed.violation('baseball')).toMatchObject({ rule: 'common' });
    expect(() => new PasswordPolicy({ min_length: 6, max_length: 256 })).toThrow(/min_length/);
    expect(() => new PasswordPolicy({ min_length: 20, max_length: 12 })).toThrow(/min_length/);
    expect(() => new PasswordPolicy({ min_length: 12, max_length: 100_000 })).toThrow(/max_length/);
  });
});
