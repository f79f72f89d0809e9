import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { WardenError } from '@warden/errors';
import { CSRF_HEADER } from './auth-cookie';

/**
 * The CSRF token of a browser session: an HMAC of its session id under the session secret. A page
 * of the server's origin reads it from its cookie and echoes it in a header, which another site
 * cannot do; binding it to the session means a token from one session is useless in another.
 */
export function csrfTokenFor(sessionId: string, key: string): string {
  return createHmac('sha256', key).update(`csrf:${sessionId}`).digest('base64url');
}

export function assertCsrf(req: Request, sessionId: string, key: string): void {
  const sent = req.get(CSRF_HEADER);
  if (!sent) throw new WardenError('ERR_CSRF', `a request authenticated by cookie needs the ${CSRF_HEADER} header`);
  const expected = Buffer.from(csrfTokenFor(sessionId, key));
  const given = Buffer.from(sent);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new WardenError('ERR_CSRF', `the ${CSRF_HEADER} header does not match this session`);
  }
}
