import type { Request, Response } from 'express';
import { csrfTokenFor, setAuthCookies } from '@warden/http';
import type { IssuedLogin } from './auth-service';
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
