import type { RequestHandler } from 'express';
import { WardenError } from '@warden/errors';

const ALLOWED_HEADERS = 'Authorization, Content-Type, X-CSRF-Token, X-ClearML-Client, X-ClearML-Worker, X-ClearML-Async, X-ClearML-Trx';

/**
 * Closed by default: without a listed origin a browser on another site gets no CORS headers, so it
 * cannot read answers or send credentialed requests. Listed origins are echoed one at a time; a
 * wildcard is never combined with credentials.
 */
export function corsPolicy(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins.map((o) => o.replace(/\/$/, '').toLowerCase()));
  return (req, res, next) => {
    const origin = req.get('Origin');
    if (!origin) return next();
    res.vary('Origin');
    const listed = allowed.has(origin.toLowerCase());
    if (listed) {
      res.set('Access-Control-Allow-Origin', origin);
      res.set('Access-Control-Allow-Credentials', 'true');
    }
    if (req.method !== 'OPTIONS') return next();
    if (!listed) return next(new WardenError('ERR_ORIGIN_NOT_ALLOWED', `origin ${origin} is not allowed`));
    res.set('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
    res.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    res.set('Access-Control-Max-Age', '600');
    res.status(204).end();
  };
}
