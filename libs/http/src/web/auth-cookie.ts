import type { Request, Response } from 'express';

/** ClearML's `apiserver.auth.cookies` settings, plus the cookie's name. */
export interface AuthCookieSettings {
  name: string;
  httponly: boolean;
  /** 'auto': Secure whenever the request arrived over TLS, which makes every setting Secure (ClearML ships `false`). */
  secure: boolean | 'auto';
  domain: string | null;
  samesite: 'Lax' | 'Strict' | 'None';
  max_age: number;
}

/** The cookie that carries the CSRF token; readable by the page's script by design. */
export const CSRF_COOKIE = 'warden_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

function baseOptions(req: Request, settings: AuthCookieSettings) {
  // A cookie set over TLS is never sent back in clear, whatever a copied ClearML config says.
  const secure = req.secure || settings.secure === true;
  // Browsers drop SameSite=None cookies that are not Secure; fall back to Lax rather than lose the session.
  const sameSite = settings.samesite === 'None' && !secure ? 'lax' : (settings.samesite.toLowerCase() as 'lax' | 'strict' | 'none');
  return { secure, sameSite, domain: settings.domain ?? undefined, path: '/' };
}

/** Sets the auth cookie and its CSRF companion; both end with the token. */
export function setAuthCookies(req: Request, res: Response, settings: AuthCookieSettings, token: string, csrfToken: string, expiresInSec: number): void {
  const options = { ...baseOptions(req, settings), maxAge: Math.min(settings.max_age, expiresInSec) * 1000 };
  res.cookie(settings.name, token, { ...options, httpOnly: settings.httponly });
  res.cookie(CSRF_COOKIE, csrfToken, { ...options, httpOnly: false });
}

export function clearAuthCookies(req: Request, res: Response, settings: AuthCookieSettings): void {
  const options = baseOptions(req, settings);
  res.clearCookie(settings.name, { ...options, httpOnly: settings.httponly });
  res.clearCookie(CSRF_COOKIE, { ...options, httpOnly: false });
}
