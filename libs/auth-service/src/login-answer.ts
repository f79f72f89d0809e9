import type { Request, Response } from 'express';
import { clearAuthCookies, csrfTokenFor, setAuthCookies } from '@warden/http';
import type { TokenClaims } from '@warden/tokens';
import type { AuthService, IssuedLogin } from './auth-service';
import type { ClearmlAuthSettings } from './auth-settings';

export type LoginAnswer = (req: Request, res: Response, issued: IssuedLogin) => { token: string };

/** How every call that hands out a token answers: the token in the body, and the browser's cookies. */
export function loginAnswer(clearml: ClearmlAuthSettings, sessionSecret: string): LoginAnswer {
  const cookieSettings = { name: clearml.session_auth_cookie_name, ...clearml.cookies };
  return (req, res, issued) => {
    setAuthCookies(req, res, cookieSettings, issued.token, csrfTokenFor(issued.claims.session_id, sessionSecret), issued.expiresInSec);
    return { token: issued.token };
  };
}

/** Logout, from the API or the console: the whole login ends (renewed tokens too), cookies go, audited. */
export async function endBrowserSession(service: AuthService, claims: TokenClaims, req: Request, res: Response): Promise<void> {
  const { clearml, audit } = service.deps;
  await service.sessions.endFamily(claims);
  clearAuthCookies(req, res, { name: clearml.session_auth_cookie_name, ...clearml.cookies });
  audit.record({ type: 'logout', outcome: 'success', user: claims.identity.user, company: claims.identity.company, client_ip: req.ip });
}
