import { WardenError } from '@warden/errors';
import { DEFAULT_RETURN_PATH, safeReturnPath } from './return-path';

const codeOf = (value: unknown) => {
  try {
    safeReturnPath(value);
    return 'accepted';
  } catch (error) {
    return error instanceof WardenError ? error.code : 'other';
  }
};

describe('the return path after sign-in', () => {
  it.each(['/console', '/console/settings/users?page=2&sort=name', '/console/a%20b', '/'])('accepts the same-site path %s', (path) => {
    expect(safeReturnPath(path)).toBe(path);
  });

  it('defaults to the console', () => {
    expect(safeReturnPath(undefined)).toBe(DEFAULT_RETURN_PATH);
  });

  it.each([
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'https:evil.example',
    'https://evil.example',
    'javascript:alert(1)',
    'evil.example',
    '/%2F%2Fevil.example',
    '/%2fevil.example',
    '/%5Cevil.example',
    '/%252F%252Fevil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/ /evil.example',
    '/console/../..//evil.example',
    '/%0d%0aLocation:%20x',
  ])('refuses %j', (path) => {
    expect(codeOf(path)).toBe('ERR_SSO_RETURN_PATH');
  });

  it('refuses a repeated parameter and an oversized one with their own codes', () => {
    expect(codeOf(['/a', '/b'])).toBe('ERR_SSO_RETURN_PATH');
    expect(codeOf(`/${'a'.repeat(2000)}`)).toBe('ERR_SSO_PARAMETER_TOO_LONG');
  });
});
