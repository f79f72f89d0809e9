import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from './logger';
import type { ServiceState } from './readiness';
import type { TlsServing } from './tls-serving';

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops accepting connections, lets in-flight requests finish, then runs the close hooks. */
  shutdown(reason: string): Promise<void>;
}

export interface ListenOptions {
  app: Express;
  host: string;
  port: number;
  logger: Logger;
  state: ServiceState;
  shutdownTimeoutMs: number;
  /**
   * Bound each connection by idleness (no byte moving either way for this long) instead of by the
   * total time a request takes to arrive, Node's `requestTimeout` of 300 s, which cuts an honest
   * upload that is still flowing. Headers must still arrive within Node's `headersTimeout`.
   */
  idleTimeoutMs?: number;
  /** Serve https with these credentials (renewed in place) instead of plain http. */
  tls?: TlsServing;
  /** Run after the last request, in order: close backends, the metrics listener... */
  onClose?: Array<() => Promise<void>>;
}

export async function listen(options: ListenOptions): Promise<RunningServer> {
  const { tls } = options;
  // An https.Server is an http.Server underneath (tls.Server wraps the same request handling).
  const classes = expressMessageClasses(options.app);
  const server: Server = tls ? createHttpsServer({ ...tls.serverOptions, ...classes }, options.app) : createServer(classes, options.app);
  if (tls) await tls.attach(server as ReturnType<typeof createHttpsServer>);
  if (options.idleTimeoutMs) {
    server.requestTimeout = 0;
    // Node refreshes a socket's timer on every read and write: no work per chunk here.
    server.timeout = options.idleTimeoutMs;
  }
  let closing: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    closing ??= (async () => {
      options.logger.info({ reason }, 'shutting down: draining in-flight requests');
      options.state.draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive sockets would hold close() open; busy ones are closed after their response.
      const sweeper = setInterval(() => server.closeIdleConnections(), 100);
      const deadline = setTimeout(() => {
        options.logger.warn('shutdown timeout reached: closing remaining connections');
        server.closeAllConnections();
      }, options.shutdownTimeoutMs);
      server.closeIdleConnections();
      await closed;
      clearInterval(sweeper);
      clearTimeout(deadline);
      await tls?.stop();
      // A backend that is down can leave its client's close pending forever; the process must still exit.
      for (const hook of options.onClose ?? []) {
        await withDeadline(hook(), options.shutdownTimeoutMs).catch((error: unknown) => options.logger.warn({ err: error }, 'error while closing'));
      }
      options.logger.info('stopped');
    })();
    return closing;
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve({ server, port, shutdown });
    });
  });
}

function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`a close hook did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * The request and response classes the server makes its messages from, with the app's Express
 * methods (req.get, res.set, req.log...) already on their prototypes. Express otherwise swaps each
 * message's prototype per request, which leaves V8's property caches on every request object
 * megamorphic; the hot paths (bypassRouter) then need no swap at all.
 */
export function expressMessageClasses(app: Express): { IncomingMessage: typeof IncomingMessage; ServerResponse: typeof ServerResponse } {
  class Request extends IncomingMessage {}
  class Response extends ServerResponse {}
  copyPrototypeChain(app.request, Request.prototype, IncomingMessage.prototype);
  copyPrototypeChain(app.response, Response.prototype, ServerResponse.prototype);
  // The generic constructor type of http's options cannot name a subclass; the shapes are Node's own.
  return { IncomingMessage: Request, ServerResponse: Response as typeof ServerResponse };
}

function copyPrototypeChain(from: object, to: object, base: object): void {
  const chain: object[] = [];
  for (let link: object | null = from; link && link !== base; link = Object.getPrototypeOf(link) as object | null) chain.unshift(link);
  for (const link of chain) Object.defineProperties(to, Object.getOwnPropertyDescriptors(link));
}
