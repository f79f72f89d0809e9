import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { parse as parseCookies } from 'cookie';
import { WardenError } from '@warden/errors';
import { csrfTokenFor } from '@warden/http';
import type { TokenClaims } from '@warden/tokens';
import { assertFormCsrf, formBodyFor } from './csrf';
import { HOME_PATH } from './redirect';

/** The signed-in browser of a console request: its verified token and the form CSRF token. */
export interface ConsoleSession {
  claims: TokenClaims;
  /** Goes into every form's hidden field (csrfField) and the client script's X-CSRF-Token header. */
  csrfToken: string;
}

export interface SessionOptions {
  /** The gateway's verifier: signature, expiry and revocation (logout, disable, password change). */
  verify(token: string): Promise<TokenClaims>;
  cookieName: string;
  sessionSecret: string;
}

const SESSION = 'consoleSession';

/** The session a guard put on this request (guards run before every signed-in page). */
export function sessionOf(res: Response): ConsoleSession {
  const session = res.locals[SESSION] as ConsoleSession | undefined;
  if (!session) throw new WardenError('ERR_UNAUTHORIZED', 'not signed in');
  return session;
}

/**
 * Reads the console's session from the auth cookie only: the console is a browser surface, and a
 * bearer header would let a script elsewhere skip the cookie's SameSite protection. Any failure
 * (missing, expired, revoked, user disabled, signing keys unknown) is "no session".
 */
export async function readSession(req: Request, options: SessionOptions): Promise<ConsoleSession | undefined> {
  const header = req.get('Cookie');
  const token = header ? parseCookies(header)[options.cookieName] : undefined;
  if (!token) return undefined;
  try {
    const claims = await options.verify(token);
    // A token that may only change its password does not open the console.
    if (claims.auth.password_change_required || claims.identity.role === 'system') return undefined;
    return { claims, csrfToken: csrfTokenFor(claims.session_id, options.sessionSecret) };
  } catch (error) {
    if (error instanceof WardenError && error.code === 'ERR_SERVICE_UNAVAILABLE') throw error;
    return undefined;
  }
}

/** The page to come back to after logging in: this one, or the home page after a form (its answer is gone). */
export function loginRedirect(req: Request): string {
  return `/login?next=${encodeURIComponent(req.method === 'GET' ? req.originalUrl : HOME_PATH)}`;
}

/**
 * The guard of every signed-in page: without a valid session the browser goes to the login page
 * (and back here afterwards); every POST must carry the session's CSRF field.
 */
export function requireSession(options: SessionOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    readSession(req, options)
      .then((session) => {
        if (!session) return res.redirect(302, loginRedirect(req));
        res.locals[SESSION] = session;
        if (req.method !== 'POST') return next();
        // Only a signed-in browser's form is read at all, and only with its session's token.
        formBodyFor(req.path)(req, res, (error?: unknown) => {
          if (error) return next(error);
          try {
            assertFormCsrf(req, session.claims.session_id, options.sessionSecret);
            next();
          } catch (refusal) {
            next(refusal);
          }
        });
      })
      .catch(next);
  };
}

/** Admin pages: a signed-in user of another role gets the 403 page. */
export const requireAdmin: RequestHandler = (_req, res, next) => {
  if (sessionOf(res).claims.identity.role !== 'admin') return next(new WardenError('ERR_FORBIDDEN', 'this page is for the administrators of your company'));
  next();
};
