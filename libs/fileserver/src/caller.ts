import type { RequestHandler, Response } from 'express';
import type { FileserverCaller, FileserverOptions } from './fileserver-options';

/** Runs authorize before anything else reads the request, and keeps the answer for the handlers. */
export function authorized(o: FileserverOptions): RequestHandler {
  return async (req, res, next) => {
    try {
      res.locals.caller = await o.authorize(req);
      next();
    } catch (error) {
      next(error);
    }
  };
}

export function callerOf(res: Response): FileserverCaller {
  return res.locals.caller as FileserverCaller;
}
