import express, { type Request, type RequestHandler, type Response } from 'express';
import { WardenError } from '@warden/errors';
import { bodyParserError } from '../body-errors';
import { jsonBody } from '../json-body';
import { parseJsonLines } from './json-lines';

/** 'json-lines' marks a batch endpoint (ClearML's batch_request), e.g. events.add_batch. */
export type BodyKind = 'json' | 'json-lines';

/** The ClearML SDK cuts json-lines batches at 15 MiB (api.http.max_req_size); leave room for the last line. */
export const JSON_LINES_MAX_BODY_BYTES = 16 * 1024 * 1024;

const JSON_LINES_TYPE = 'application/json-lines';

export interface CallInput {
  data: Record<string, unknown>;
  items: Record<string, unknown>[];
}

/**
 * Reads one endpoint's request body within `limit` bytes. A batch endpoint takes json-lines (one
 * item per line) when the body says so, and JSON otherwise, as clearml-server does.
 */
export function bodyReader(endpoint: string, kind: BodyKind, limit: number): (req: Request, res: Response) => Promise<CallInput> {
  const json = jsonBody(limit);
  const lines = kind === 'json-lines' ? express.text({ limit, type: () => true }) : undefined;
  return async (req, res) => {
    await read(lines && req.is(JSON_LINES_TYPE) ? lines : json, req, res, endpoint, limit);
    return callInput(req, kind);
  };
}

function read(parser: RequestHandler, req: Request, res: Response, endpoint: string, limit: number): Promise<void> {
  return new Promise((resolve, reject) => {
    parser(req, res, (error?: unknown) => {
      if (!error) return resolve();
      reject(bodyParserError(error, { limit, endpoint }) ?? (error instanceof Error ? error : new Error(String(error))));
    });
  });
}

function callInput(req: Request, kind: BodyKind): CallInput {
  const query = req.query as Record<string, unknown>;
  if (typeof req.body === 'string') return { data: { ...query }, items: parseJsonLines(req.body) };
  const body: unknown = req.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new WardenError('ERR_BAD_REQUEST', kind === 'json-lines' ? 'request body must be json-lines or a JSON object' : 'request body must be a JSON object');
  }
  // Query parameters fill in what the body does not say, as ClearML does for GET calls.
  const data = { ...query, ...(body as Record<string, unknown>) };
  // Like clearml-server's batched_data, a batch endpoint called with one JSON object gets it as its only item.
  return { data, items: kind === 'json-lines' && Object.keys(data).length > 0 ? [data] : [] };
}
