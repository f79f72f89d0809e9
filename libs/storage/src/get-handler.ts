import { buildQueryString, HttpResponse, type HttpRequest } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions } from '@smithy/types';
import { BufferPool, Connection, type Origin } from './get-connection';
import { headLength, parseResponseHead } from './http-response-head';
import { ResponseBody } from './response-body';

export interface GetHandlerOptions {
  /** Connect and inactivity limit of a connection in use. */
  socketTimeoutMs?: number;
  /** An unused connection is closed after this; under the 5 s most stores keep one open. */
  idleTimeoutMs?: number;
  maxIdlePerOrigin?: number;
  /** PEM roots for an https store with a private CA; the SDK handler this falls back to must trust them too. */
  ca?: string[];
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A reused connection that closed before any byte of the answer: the store had closed it while it
 * was idle, so a new one is tried. A store that does not answer in time is not asked twice.
 */
class NoAnswerError extends Error {
  constructor(readonly reason: Error) {
    super(reason.message);
  }
}

/**
 * The S3 client's HTTP handler. GETs (object reads above all) go over keep-alive connections of its
 * own whose bodies are ResponseBody streams (see there for why); every other request, and any GET
 * answer that Content-Length does not frame, goes through the SDK's NodeHttpHandler. Signing,
 * retries and error parsing stay the SDK's: this only moves bytes.
 */
export class GetHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly idle = new Map<string, Connection[]>();
  private readonly pool = new BufferPool(16);
  private readonly socketTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly maxIdle: number;
  private readonly ca?: string[];

  constructor(
    private readonly fallback = new NodeHttpHandler(),
    options: GetHandlerOptions = {},
  ) {
    this.socketTimeoutMs = options.socketTimeoutMs ?? 60_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 4_000;
    this.maxIdle = options.maxIdlePerOrigin ?? 8;
    this.ca = options.ca;
  }

  async handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    if (request.method !== 'GET' || request.body != null) return this.fallback.handle(request, options);
    if (options.abortSignal?.aborted) throw abortError();
    const head = requestHead(request);
    const origin = originOf(request);
    const reused = this.takeIdle(origin);
    if (reused) {
      try {
        return await this.exchange(reused, origin, head, request, options);
      } catch (error) {
        if (!(error instanceof NoAnswerError)) throw error;
      }
    }
    try {
      return await this.exchange(this.open(origin), origin, head, request, options);
    } catch (error) {
      throw error instanceof NoAnswerError ? error.reason : error;
    }
  }

  updateHttpClientConfig(...args: Parameters<NodeHttpHandler['updateHttpClientConfig']>): void {
    this.fallback.updateHttpClientConfig(...args);
  }

  httpHandlerConfigs(): ReturnType<NodeHttpHandler['httpHandlerConfigs']> {
    return this.fallback.httpHandlerConfigs();
  }

  destroy(): void {
    for (const connections of this.idle.values()) for (const connection of [...connections]) connection.destroy();
    this.idle.clear();
    this.fallback.destroy();
  }

  private open(origin: Origin): Connection {
    const connection = new Connection(origin, this.pool, this.ca);
    connection.socket.setTimeout(this.socketTimeoutMs, () => connection.socket.destroy(timeoutError()));
    return connection;
  }

  private exchange(
    connection: Connection,
    origin: Origin,
    head: string,
    request: HttpRequest,
    options: HttpHandlerOptions,
  ): Promise<{ response: HttpResponse }> {
    return new Promise((resolve, reject) => {
      let received: Buffer | null = null;
      // The SDK hands on the caller's signal: a DOM AbortSignal in Node.
      const signal = options.abortSignal as globalThis.AbortSignal | undefined;
      const onAbort = () => fail(abortError());
      const settle = () => signal?.removeEventListener('abort', onAbort);
      const fail = (error: Error) => {
        settle();
        connection.onEnd = () => undefined;
        connection.destroy();
        reject(error);
      };
      connection.onEnd = (error) => {
        settle();
        reject(received || error.name === 'TimeoutError' ? error : new NoAnswerError(error));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      connection.sink = (chunk) => {
        const bytes: Buffer = received ? Buffer.concat([received, chunk]) : chunk;
        let end: number;
        try {
          end = headLength(bytes);
          if (end < 0) {
            received = Buffer.from(bytes);
            return true;
          }
          const answer = parseResponseHead(bytes.toString('latin1', 0, end - 4));
          settle();
          if (answer.bodyBytes === null) {
            connection.onEnd = () => undefined;
            connection.destroy();
            resolve(this.fallback.handle(request, options));
            return false;
          }
          const leftover = Buffer.from(bytes.subarray(end));
          const body = new ResponseBody(connection, answer.bodyBytes, leftover, answer.keepAlive, (done) => this.release(origin, done));
          resolve({ response: new HttpResponse({ statusCode: answer.statusCode, reason: answer.reason, headers: answer.headers, body }) });
        } catch (error) {
          fail(error as Error);
        }
        return false;
      };
      connection.socket.write(head);
      connection.resume();
    });
  }

  private takeIdle(origin: Origin): Connection | undefined {
    const connection = this.idle.get(key(origin))?.pop();
    connection?.socket.setTimeout(this.socketTimeoutMs);
    return connection;
  }

  private release(origin: Origin, connection: Connection): void {
    const list = this.idle.get(key(origin)) ?? [];
    if (!connection.alive || list.length >= this.maxIdle) return connection.destroy();
    // Nothing may arrive on an idle connection; whatever does makes it unusable.
    connection.sink = () => {
      connection.destroy();
      return false;
    };
    connection.onEnd = () => {
      const at = list.indexOf(connection);
      if (at >= 0) list.splice(at, 1);
    };
    connection.socket.setTimeout(this.idleTimeoutMs);
    list.push(connection);
    this.idle.set(key(origin), list);
    connection.resume();
  }
}

function key(origin: Origin): string {
  return `${origin.protocol}//${origin.host}:${origin.port}`;
}

function originOf(request: HttpRequest): Origin {
  const protocol = request.protocol === 'https:' ? 'https:' : 'http:';
  const host = request.hostname.replace(/^\[(.*)\]$/, '$1');
  return { protocol, host, port: request.port ?? (protocol === 'https:' ? 443 : 80) };
}

/** The request line and fields as signed; a name or value that would break the head is refused. */
function requestHead(request: HttpRequest): string {
  const query = request.query ? buildQueryString(request.query) : '';
  const target = query ? `${request.path}?${query}` : request.path;
  if (!/^\/[\x21-\x7e]*$/.test(target)) throw new TypeError('the request path is not a valid HTTP request target');
  const fields = Object.entries(request.headers);
  if (!fields.some(([name]) => name.toLowerCase() === 'host')) fields.unshift(['host', hostField(request)]);
  let head = `GET ${target} HTTP/1.1\r\n`;
  for (const [name, value] of fields) {
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) throw new TypeError(`the request header ${JSON.stringify(name)} is not valid HTTP`);
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}

function hostField(request: HttpRequest): string {
  return request.port ? `${request.hostname}:${request.port}` : request.hostname;
}

function abortError(): Error {
  const error = new Error('Request aborted');
  error.name = 'AbortError';
  return error;
}

function timeoutError(): Error {
  return Object.assign(new Error('the store did not answer in time'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
}
