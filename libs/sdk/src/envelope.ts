import type { IncomingHttpHeaders } from 'node:http';
import { parseRetryAfter } from './backoff';
import { SdkError } from './sdk-error';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface Meta {
  result_code?: number;
  result_msg?: string;
  error_data?: { code?: unknown };
}

/**
 * Turns an API answer into its `data`, or into an SdkError. `scrub` removes secrets the server
 * might echo (a misbehaving proxy can reflect the Authorization header into its error text).
 */
export function unwrapEnvelope<T>(answer: Answer, target: string, scrub: (text: string) => string): T {
  const json = parseJson(answer.body);
  const meta = isObject(json) && isObject(json.meta) ? (json.meta as Meta) : undefined;
  const ok = answer.status >= 200 && answer.status < 300;
  if (ok && meta && (meta.result_code ?? 200) === 200) return (json as { data: T }).data;
  if (ok && !meta) throw new SdkError('ERR_BAD_RESPONSE', `${target} answered without a ClearML envelope`, { status: answer.status });
  throw answerError(answer, target, scrub, meta);
}

/** The fileserver answers plain JSON on success and (on Warden) an envelope on failure. */
export function unwrapFileserver(answer: Answer, target: string, scrub: (text: string) => string): unknown {
  const json = parseJson(answer.body);
  if (answer.status >= 200 && answer.status < 300) return json;
  const meta = isObject(json) && isObject(json.meta) ? (json.meta as Meta) : undefined;
  throw answerError(answer, target, scrub, meta);
}

export function answerError(answer: Answer, target: string, scrub: (text: string) => string, meta?: Meta): SdkError {
  const { status } = answer;
  const code = typeof meta?.error_data?.code === 'string' ? meta.error_data.code : 'ERR_HTTP';
  const serverMessage = scrub(typeof meta?.result_msg === 'string' && meta.result_msg ? meta.result_msg : `HTTP ${status}`);
  const retryAfter = parseRetryAfter(headerValue(answer.headers['retry-after']), Date.now());
  return new SdkError(code, `${target} answered ${status}: ${serverMessage}`, {
    status,
    serverMessage,
    retryable: status === 429 || status >= 500,
    retryAfterSeconds: status === 429 || status === 503 ? retryAfter : undefined,
  });
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
