import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { parse as parseCookies } from 'cookie';
import { WardenError } from '@warden/errors';
import { csrfTokenFor } from '@warden/http';
import { html, type Html } from './html';

/** Console forms: small urlencoded bodies only. */
export const formBody = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 50 });
/** The Identity Providers forms carry IdP metadata (up to 256 KiB, larger once urlencoded) and key pairs. */
const largeFormBody = express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 50 });
export const formBodyFor = (path: string) => (path.startsWith('/console/settings/identity-providers') ? largeFormBody : formBody);

/** The hidden field every state-changing console form carries. */
export const CSRF_FIELD = '_csrf';
/** Ties the login form's token to this browser before any session exists (against login CSRF). */
export const LOGIN_CSRF_COOKIE = 'warden_login_csrf';

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function fieldOf(req: Request): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const value = body?.[CSRF_FIELD];
  return typeof value === 'string' ? value : undefined;
}

/** The hidden CSRF input of a form, bound to the session (the same token the API's X-CSRF-Token header takes). */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}" />`;
}

/** Refuses a form whose CSRF field is missing or belongs to another session. */
export function assertFormCsrf(req: Request, sessionId: string, key: string): void {
  const sent = fieldOf(req);
  if (!sent) throw new WardenError('ERR_CSRF', 'this form was sent without its security token: reload the page and try again');
  if (!equal(sent, csrfTokenFor(sessionId, key))) throw new WardenError('ERR_CSRF', 'this form belongs to another session: reload the page and try again');
}

/**
 * Login CSRF: an attacker's page must not log a victim into the attacker's account. The login form
 * carries an HMAC of a random nonce the gateway set in an HttpOnly cookie; another site can make
 * the browser send the cookie but can neither read it nor compute the matching field.
 */
export class LoginCsrf {
  /** `path` scopes the cookie to the signed-out form it protects (the login page, an invitation page). */
  constructor(
    private readonly key: string,
    private readonly path = '/login',
  ) {}

  private tokenFor(nonce: string): string {
    return createHmac('sha256', this.key).update(`login-csrf:${nonce}`).digest('base64url');
  }

  private nonceOf(req: Request): string | undefined {
    const header = req.get('Cookie');
    return header ? parseCookies(header)[LOGIN_CSRF_COOKIE] : undefined;
  }

  /** The form token for this browser, setting its cookie when it has none (tabs share one). */
  issue(req: Request, res: Response): string {
    let nonce = this.nonceOf(req);
    if (!nonce || !/^[\w-]{32}$/.test(nonce)) {
      nonce = randomBytes(24).toString('base64url');
      res.cookie(LOGIN_CSRF_COOKIE, nonce, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: this.path });
    }
    return this.tokenFor(nonce);
  }

  assert(req: Request): void {
    const nonce = this.nonceOf(req);
    const sent = fieldOf(req);
    if (!nonce || !sent) throw new WardenError('ERR_CSRF', 'the login form was sent without its security token: open the login page again');
    if (!equal(sent, this.tokenFor(nonce))) throw new WardenError('ERR_CSRF', 'the login form does not belong to this browser: open the login page again');
  }
}
