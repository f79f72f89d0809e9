import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { unknownEndpoint } from './error-middleware';

/**
 * Picks, from the raw request, the handlers of a hot path to run without Express's router; for
 * anything else it answers undefined and the app routes the request as usual.
 */
export type FastRoutes = (req: IncomingMessage) => RequestHandler[] | undefined;

type Handle = (req: IncomingMessage, res: ServerResponse, done?: (error?: unknown) => void) => void;

/**
 * Runs the requests `pick` claims through the kit's own middleware (`kit`, the very functions the
 * app uses: request id, access log, security headers, metrics), then the picked handlers, and any
 * error through the app's error handler, but not through the router, whose per-request matching
 * of every layer a hot path does not need. Everything else reaches the app untouched. Express
 * calls `app.handle` for every request, whether served by app.listen or createServer(app).
 */
export function bypassRouter(app: Express, kit: readonly RequestHandler[], pick: FastRoutes, onError: ErrorRequestHandler): void {
  const withApp = app as unknown as { handle: Handle };
  const routed = withApp.handle.bind(app);
  withApp.handle = (rawReq, rawRes, done) => {
    const handlers = pick(rawReq);
    if (!handlers) return routed(rawReq, rawRes, done);
    // What Express does before routing: its request/response prototypes (req.get, res.json, req.log) and locals.
    // Messages made by the kit's server already carry them (expressMessageClasses): no swap per request.
    const req = ((rawReq as Partial<Request>).app === app ? rawReq : Object.setPrototypeOf(rawReq, app.request)) as Request;
    const res = ((rawRes as Partial<Response>).app === app ? rawRes : Object.setPrototypeOf(rawRes, app.response)) as Response;
    req.res = res;
    res.req = req;
    res.locals = Object.create(null) as Response['locals'];
    req.originalUrl = req.url;
    req.baseUrl = '';
    req.params = {};
    // The picked handlers answer; should one pass the request on, it is unknown, as in the app.
    const chain = [...kit, ...handlers, unknownEndpoint];
    let index = 0;
    // Past the error handler (headers already sent), as Express's final handler: the connection goes.
    const abandon = () => void req.socket.destroy();
    const next: NextFunction = (error?: unknown) => {
      if (error !== undefined && error !== 'route' && error !== 'router') return onError(error, req, res, abandon);
      const handler = chain[index++];
      try {
        const result: unknown = handler(req, res, next);
        // As Express 5, an async handler's rejection is an error passed on.
        if (result instanceof Promise) result.catch(next);
      } catch (thrown) {
        next(thrown);
      }
    };
    next();
  };
}
