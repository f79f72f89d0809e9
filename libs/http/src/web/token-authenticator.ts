import type { Request } from 'express';
import { WardenError } from '@warden/errors';
import type { TokenClaims } from '@warden/tokens';
import { assertCsrf } from './csrf';
import { requestToken } from './request-token';

export interface TokenAuth {
  claims: TokenClaims;
  token: string;
  via: 'header' | 'cookie';
}

export interface TokenAuthenticatorOptions {
  verifier: { verify(token: string): Promise<TokenClaims> };
  cookieNames: readonly string[];
  /** The session secret that keys CSRF tokens. */
  csrfKey: string;
  /** Endpoints that only read may skip the CSRF check for cookie-borne tokens. */
  csrfExempt?: (req: Request) => boolean;
  /**
   * The calls a token marked password_change_required may make (the gateway's change-password,
   * logout and who-am-I); every other service leaves this out and so refuses such tokens outright.
   */
  passwordChangeCalls?: (req: Request) => boolean;
}

/**
 * 'token': a verified token is required; 'optional': verified when present (an invalid one is
 * still refused), absent otherwise; 'none': not looked at.
 */
export function tokenAuthenticator(options: TokenAuthenticatorOptions) {
  return async (req: Request, mode: string): Promise<TokenAuth | undefined> => {
    if (mode === 'none') return undefined;
    const found = requestToken(req, options.cookieNames);
    if (!found) {
      if (mode === 'optional') return undefined;
      throw new WardenError('ERR_UNAUTHORIZED', 'missing credentials: send Authorization: Bearer <token>');
    }
    const claims = await options.verifier.verify(found.token);
    if (claims.auth.password_change_required && !options.passwordChangeCalls?.(req)) throw new WardenError('ERR_PASSWORD_CHANGE_REQUIRED');
    if (found.via === 'cookie' && !options.csrfExempt?.(req)) assertCsrf(req, claims.session_id, options.csrfKey);
    return { claims, token: found.token, via: found.via };
  };
}
