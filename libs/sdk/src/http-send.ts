import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { SdkError } from './sdk-error';
import { isVerifyFailure, TlsPolicy } from './tls-policy';

export interface SendOptions {
  method: string;
  url: string;
  /** Names the server in messages: "api server", "fileserver". */
  target: string;
  headers?: Record<string, string | number>;
  /** A buffer, or a factory so every attempt streams the body again from the start. */
  body?: Buffer | (() => Readable);
  signal?: AbortSignal;
  /** Socket idle time after which the attempt counts as a network failure. */
  idleTimeoutMs: number;
  /** Whom https URLs trust; the well-known roots only when absent. */
  tls?: TlsPolicy;
}

const DEFAULT_TLS = new TlsPolicy();

export interface SendResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
}

/** Transient by nature: the server or the path to it may come back. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/** One HTTP exchange; resolves once the response headers arrive, the body is the caller's to read. */
export function send(options: SendOptions): Promise<SendResponse> {
  const url = new URL(options.url);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: SdkError) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    const tls = options.tls ?? DEFAULT_TLS;
    const agent = tls.agentFor(url);
    const request = transport.request(
      url,
      { method: options.method, headers: options.headers, signal: options.signal, ...(agent && { agent }) },
      (response) => {
        settled = true;
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: response });
      },
    );
    request.setTimeout(options.idleTimeoutMs, () => request.destroy(Object.assign(new Error('idle timeout'), { code: 'ETIMEDOUT' })));
    request.on('error', (error: NodeJS.ErrnoException) => {
      // Not a network failure: retrying cannot change the certificate, the user must decide.
      if (isVerifyFailure(error)) void tls.explain(error, url, options.target).then(fail);
      else fail(networkError(error, options.target, url));
    });

    const { body } = options;
    if (body === undefined || Buffer.isBuffer(body)) {
      request.end(body);
      return;
    }
    const stream = body();
    stream.on('error', (error) => {
      request.destroy();
      fail(
        error instanceof SdkError
          ? error
          : new SdkError('ERR_LOCAL_FILE', `reading the upload failed: ${(error as NodeJS.ErrnoException).code ?? error.message}`),
      );
    });
    // The server may answer (401, 413) before taking the whole body; stop reading the file then.
    request.on('close', () => stream.destroy());
    stream.pipe(request);
  });
}

export function networkError(error: unknown, target: string, url: URL): SdkError {
  const err = error as NodeJS.ErrnoException;
  if (err.name === 'AbortError' || err.code === 'ABORT_ERR') return new SdkError('ERR_ABORTED', 'cancelled');
  const code = err.code && NETWORK_CODES.has(err.code) ? err.code : err.message === 'aborted' ? 'ECONNRESET' : (err.code ?? 'network error');
  return new SdkError('ERR_NETWORK', `${target} unreachable at ${url.origin} (${code})`, { retryable: true });
}

/** Reads a JSON-sized response body; a connection lost on the way counts as a network failure. */
export async function readBody(response: SendResponse, target: string, url: string, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new SdkError('ERR_BAD_RESPONSE', `${target} answer is larger than ${limit} bytes`);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof SdkError) throw error;
    throw networkError(error, target, new URL(url));
  }
  return Buffer.concat(chunks);
}
