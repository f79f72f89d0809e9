import { SdkError } from './sdk-error';

/**
 * Object paths on the fileserver: relative, slash-separated, no `.`/`..` segments, no control
 * characters. Rejected here so a typo never turns into a request for something else.
 */
export function normaliseRemotePath(path: string): string {
  const trimmed = path.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  const segments = trimmed.split('/');
  if (!trimmed || segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new SdkError('ERR_BAD_REQUEST', `invalid remote path "${path}"`);
  }
  if (/["\\\x00-\x1f\x7f]/.test(trimmed)) throw new SdkError('ERR_BAD_REQUEST', `remote path holds a quote, backslash or control character`);
  return trimmed;
}

export function joinRemote(prefix: string, relative: string): string {
  return normaliseRemotePath(prefix ? `${prefix}/${relative}` : relative);
}

/** Each segment percent-encoded, the slashes kept. */
export function remoteUrl(host: string, path: string): string {
  return `${host}/${path.split('/').map(encodeURIComponent).join('/')}`;
}
