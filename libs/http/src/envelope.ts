import './request-context';
import type { Request } from 'express';
import { ERROR_TABLE, type ErrorCode } from '@warden/errors';

export interface Envelope {
  meta: {
    id: string;
    trx: string;
    endpoint: { name: string; requested_version: string | null; actual_version: string | null };
    result_code: number;
    result_subcode: number;
    result_msg: string;
    error_stack: string | null;
    error_data: Record<string, unknown>;
  };
  data: unknown;
}

function endpointOf(req: Request): Envelope['meta']['endpoint'] {
  const match = /^\/(?:v(\d+\.\d+)\/)?([\w-]+\.[\w-]+)$/.exec(req.path);
  return { name: match?.[2] ?? req.path, requested_version: match?.[1] ?? null, actual_version: req.app.locals.apiVersion ?? null };
}

export function successEnvelope(req: Request, data: unknown): Envelope {
  return {
    meta: { ...baseMeta(req), result_code: 200, result_subcode: 0, result_msg: 'OK', error_stack: null, error_data: {} },
    data,
  };
}

export function errorEnvelope(req: Request, code: ErrorCode, message: string, errorData: Record<string, unknown>, stack: string | null): Envelope {
  const [resultCode, subcode] = ERROR_TABLE[code].result;
  return {
    meta: { ...baseMeta(req), result_code: resultCode, result_subcode: subcode, result_msg: message, error_stack: stack, error_data: { code, ...errorData } },
    data: {},
  };
}

function baseMeta(req: Request) {
  const id = String(req.id ?? '');
  const trx = req.get('X-ClearML-Trx') ?? req.get('X-Trains-Trx') ?? id;
  return { id, trx, endpoint: endpointOf(req) };
}
