// The verify half only: jsonwebtoken's index also loads sign.js, and the services that import
// @warden/tokens must not carry code that mints tokens (only the gateway does, via @warden/token-issuer).
// The reference carries the subpath typings to every project compiling this file (an import cannot: they are ambient).
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./jsonwebtoken-verify.d.ts" />
export { default as verify } from 'jsonwebtoken/verify';
export { default as JsonWebTokenError } from 'jsonwebtoken/lib/JsonWebTokenError';
export { default as NotBeforeError } from 'jsonwebtoken/lib/NotBeforeError';
export { default as TokenExpiredError } from 'jsonwebtoken/lib/TokenExpiredError';
