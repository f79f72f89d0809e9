import type { Express, RequestHandler } from 'express';
import type { Logger } from 'pino';

declare module 'express-serve-static-core' {
  interface Request {
    /** The service logger bound to this request's id; created on first use. */
    log: Logger;
  }
}

const QUIET_PATHS = new Set(['/health', '/ready']);

/**
 * `req.log` for every request of the app, as a getter on the app's request prototype: most
 * requests never log anything of their own, so the child logger is only made when asked for.
 */
export function installRequestLogger(app: Express, logger: Logger): void {
  const children = new WeakMap<object, Logger>();
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: { id: string }) {
      let child = children.get(this);
      if (!child) children.set(this, (child = logger.child({ req_id: this.id })));
      return child;
    },
  });
}

/** A path to log instead of the request's, set by a handler whose path holds a secret (an invitation link). */
export const LOG_PATH_LOCAL = 'logPath';

/** Where the error middleware leaves the answered error's code for the access line. */
export const ERROR_CODE_LOCAL = 'errorCode';

/**
 * One access-log line per request when its response ends or its connection drops: method, path
 * without the query string (clients put tokens there), status, the error's stable code when the
 * answer is an error (so a log reader tells an unknown endpoint from a validation error), and
 * duration. Probes are not logged.
 */
export function accessLog(logger: Logger): RequestHandler {
  // The entry's shape is fixed and holds no credential field (no headers, no body, no query), so the
  // service's path redaction, some 5 µs a line, can never match in it; the destination's secret
  // scrubber still reads every line.
  const access = logger.child({}, { redact: [] });
  return (req, res, next) => {
    const path = req.originalUrl.split('?', 1)[0];
    if (QUIET_PATHS.has(path)) return next();
    const started = performance.now();
    res.once('close', () => {
      const logged = res.locals[LOG_PATH_LOCAL];
      const entry = {
        req: { id: req.id, method: req.method, path: typeof logged === 'string' ? logged : path },
        res: { statusCode: res.statusCode, ...errorCodeOf(res.locals) },
        responseTime: Math.round(performance.now() - started),
      };
      if (res.locals[QUIET_LOG_LOCAL] === true && res.writableFinished && res.statusCode < 400) return;
      if (!res.writableFinished) access.warn(entry, 'request aborted');
      else if (res.statusCode >= 500) access.error(entry, 'request failed');
      else access.info(entry, 'request completed');
    });
    next();
  };
}

function errorCodeOf(locals: Record<string, unknown>): { error_code?: string } {
  const code = locals[ERROR_CODE_LOCAL];
  return typeof code === 'string' ? { error_code: code } : {};
}

/** Set by a handler polled all the time (the console's session check): its answers below 400 are not logged. */
export const QUIET_LOG_LOCAL = 'quietLog';
