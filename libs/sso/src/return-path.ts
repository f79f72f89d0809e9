import { WardenError } from '@warden/errors';

const MAX_RETURN_PATH = 1024;
export const DEFAULT_RETURN_PATH = '/console';

/**
 * Where the browser goes after sign-in: only a path on this site. Browsers read `//evil`, `/\evil`
 * and `https:evil` as other origins, and decode `%2f` or strip tabs and newlines before they do, so
 * anything but a plain absolute path of safe characters is refused rather than repaired.
 */
export function safeReturnPath(value: unknown): string {
  if (value === undefined || value === '') return DEFAULT_RETURN_PATH;
  if (typeof value !== 'string') throw new WardenError('ERR_SSO_RETURN_PATH', 'the return path must be given once, as text');
  if (value.length > MAX_RETURN_PATH) throw new WardenError('ERR_SSO_PARAMETER_TOO_LONG', `the return path is longer than ${MAX_RETURN_PATH} characters`);
  const ok =
    value.startsWith('/') &&
    !value.startsWith('//') &&
    // Letters, digits and the URL punctuation a console path needs; no backslash, no control or space characters.
    /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/.test(value) &&
    !/%(2f|5c|0[0-9a-f]|1[0-9a-f]|7f|25)/i.test(value) &&
    !value.includes('/..') &&
    new URL(value, 'http://warden.invalid').origin === 'http://warden.invalid';
  if (!ok) throw new WardenError('ERR_SSO_RETURN_PATH');
  return value;
}
