import type { NextFunction, Request, Response } from 'express';
import type { AuthenticateOptions } from 'passport';
import { WardenError } from '@warden/errors';
import { signInSecrets } from './oidc-strategy';
import type { SsoService } from './sso-service';
import { STATE_TTL_SEC, bindingDigest, randomToken } from './state-store';

/** Ties a sign-in to the browser that started it; HttpOnly, and Lax so the provider's redirect back carries it. */
export const BINDING_COOKIE = 'warden_sso';
export const LOGIN_PAGE = '/login';

/** The browser's binding cookie, when it has a well-formed one. */
export function bindingOf(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === BINDING_COOKIE) {
      const text = value.join('=');
      return /^[\w-]{43}$/.test(text) ? text : undefined;
    }
  }
  return undefined;
}

/** The browser's binding (kept if it has one, so sign-ins in two tabs both finish), as its digest for the state. */
export function bindBrowser(req: Request, res: Response): string {
  const binding = bindingOf(req) ?? randomToken();
  res.cookie(BINDING_COOKIE, binding, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/', maxAge: STATE_TTL_SEC * 1000 });
  return bindingDigest(binding);
}

export interface OidcStart {
  strategy: string;
  pkce: 'S256' | 'plain' | 'none';
  callbackURL: string;
  returnPath: string;
  test?: boolean;
  onError: (error: unknown) => void;
}

/** An OpenID Connect sign-in's start, env provider or stored connection: state, nonce and PKCE, then off to the provider. */
export function startOidc(sso: SsoService, req: Request, res: Response, next: NextFunction, start: OidcStart): void {
  if (req.query['code'] !== undefined || req.query['error'] !== undefined || req.query['state'] !== undefined) {
    throw new WardenError('ERR_SSO_PARAMETER_INVALID', 'a sign-in start takes no code, error or state');
  }
  const state = { ...signInSecrets(start.pkce), returnPath: start.returnPath, binding: bindBrowser(req, res), ...(start.test && { test: true }) };
  const options = { session: false, callbackURL: start.callbackURL, state } as unknown as AuthenticateOptions;
  sso.passport.authenticate(start.strategy, options, start.onError)(req, res, next);
}

/** Back to the login page with a stable code; the reason is logged and audited, never a secret or a stack. */
export function refuse(sso: SsoService, req: Request, res: Response, provider: string, error: unknown): void {
  const known = error instanceof WardenError ? error : undefined;
  const code = known?.code ?? 'ERR_SERVICE_UNAVAILABLE';
  const { logger, audit } = sso.options;
  if (known) logger.warn({ event: 'sso_login', outcome: 'failure', provider, code, reason: known.message }, 'sso login refused');
  else logger.error({ event: 'sso_login', outcome: 'failure', provider, err: error }, 'sso login failed');
  audit.record({ type: 'sso_login', outcome: 'failure', method: `sso:${provider.slice(0, 48)}`, client_ip: req.ip, reason: code });
  if (res.headersSent) return;
  res.redirect(303, `${LOGIN_PAGE}?${new URLSearchParams({ error: code, provider: provider.slice(0, 48) }).toString()}`);
}
