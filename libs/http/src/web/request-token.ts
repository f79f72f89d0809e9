import type { Request } from 'express';
import { parse as parseCookies } from 'cookie';
import { WardenError } from '@warden/errors';

export interface RequestToken {
  token: string;
  /** Cookie-borne tokens are sent by browsers on their own, so they need CSRF checks. */
  via: 'header' | 'cookie';
}

/**
 * Finds the bearer token of a request: `Authorization: Bearer`, else the first of the named
 * cookies. Any other Authorization scheme is refused outright rather than ignored, so a client
 * sending Basic credentials to a token endpoint learns why it fails.
 */
export function requestToken(req: Request, cookieNames: readonly string[]): RequestToken | undefined {
  const header = req.get('Authorization');
  if (header) {
    const [scheme, value, extra] = header.trim().split(/\s+/);
    if (scheme.toLowerCase() !== 'bearer') throw new WardenError('ERR_BAD_AUTH_SCHEME', `the ${scheme} authorization scheme is not accepted here; use Bearer`);
    if (!value || extra !== undefined) throw new WardenError('ERR_MALFORMED_CREDENTIALS', 'the Bearer authorization header is malformed');
    return { token: value, via: 'header' };
  }
  const cookieHeader = req.get('Cookie');
  if (!cookieHeader) return undefined;
  const cookies = parseCookies(cookieHeader);
  for (const name of cookieNames) {
    const token = cookies[name];
    if (token) return { token, via: 'cookie' };
  }
  return undefined;
}

/** `Authorization: Basic` as ClearML's auth.login takes it: `key:secret` or `username:password`. */
export function basicCredentials(req: Request): { id: string; secret: string } | undefined {
  const header = req.get('Authorization');
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/);
  if (scheme.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw new WardenError('ERR_MALFORMED_CREDENTIALS', 'the Basic authorization header is malformed');
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}
