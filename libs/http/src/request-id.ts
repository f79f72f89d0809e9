import './request-context';
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

// A caller-chosen id is kept for tracing across services only when it cannot inject into logs.
const SAFE_ID = /^[\w.:-]{1,128}$/;

export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.get('X-Request-Id');
  req.id = incoming && SAFE_ID.test(incoming) ? incoming : randomUUID();
  res.set('X-Request-Id', req.id);
  next();
};
