export { corsPolicy } from './cors';
export { CSRF_COOKIE, CSRF_HEADER, clearAuthCookies, setAuthCookies, type AuthCookieSettings } from './auth-cookie';
export { assertCsrf, csrfTokenFor } from './csrf';
export { basicCredentials, requestToken, type RequestToken } from './request-token';
export { tokenAuthenticator, type TokenAuth, type TokenAuthenticatorOptions } from './token-authenticator';
export { secretOrEphemeral } from './ephemeral-secret';
