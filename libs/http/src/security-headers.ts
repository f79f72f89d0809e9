import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * helmet's default headers, computed once: with no per-request options (no CSP nonces) they are
 * the same for every response, and replaying them costs a fraction of running helmet's dozen
 * middlewares per request.
 */
export function securityHeaders(): RequestHandler {
  const headers: [string, string][] = [];
  const recorder = {
    setHeader: (name: string, value: string) => headers.push([name, value]),
    removeHeader: () => undefined,
  };
  helmet()(undefined as never, recorder as never, () => undefined);
  if (headers.length === 0) throw new Error('helmet set no headers: its middleware is no longer synchronous');
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}
