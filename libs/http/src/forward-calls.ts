import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';
import type { RequestHandler } from 'express';
import { WardenError } from '@warden/errors';
import { FORWARDED_CLIENT_HEADER, forwardingKey, signForwardedClient } from './forwarded-client';

// Hop-by-hop headers belong to one connection and are never passed on (RFC 9110 7.6.1).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

// What a client says about where it came from is never passed on: this service says it instead.
const CLIENT_CLAIMS = new Set(['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', FORWARDED_CLIENT_HEADER]);

function passable(headers: IncomingHttpHeaders, drop: ReadonlySet<string> = new Set()): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase()) && !drop.has(name.toLowerCase())));
}

export interface ForwardOptions {
  /** Base URL of the service that answers, e.g. http://127.0.0.1:8080. */
  target: string;
  /** Which request paths go there. */
  paths: RegExp;
  timeoutMs?: number;
  /**
   * This service's own secret, which the target also holds: with it the caller's address (req.ip,
   * as this service's trusted proxies resolve it) is signed into FORWARDED_CLIENT_HEADER.
   */
  clientSecret?: string;
  /** For an https target: whom to trust (a private CA, the expected certificate name). */
  agent?: Agent;
}

/**
 * Streams matching calls to another service and its answer back, untouched: clients that only
 * know one host (the ClearML SDK knows the API host) reach the gateway through the apiserver.
 * Mount it before any body parser. The caller's address travels signed (see forwarded-client),
 * and as the only X-Forwarded-For entry for targets that list this service as a trusted proxy.
 */
export function forwardCalls(options: ForwardOptions): RequestHandler {
  const target = new URL(options.target);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const key = options.clientSecret ? forwardingKey(options.clientSecret) : undefined;
  return (req, res, next) => {
    if (!options.paths.test(req.path)) return next();
    const client = req.ip ?? req.socket.remoteAddress ?? '';
    const headers: IncomingHttpHeaders = {
      ...passable(req.headers, CLIENT_CLAIMS),
      'x-forwarded-proto': req.protocol,
      'x-forwarded-host': req.get('Host') ?? '',
    };
    if (client) headers['x-forwarded-for'] = client;
    if (client && key) headers[FORWARDED_CLIENT_HEADER] = signForwardedClient(key, client);
    const upstream = send(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: `${target.pathname.replace(/\/$/, '')}${req.originalUrl}`,
        headers,
        timeout: options.timeoutMs ?? 30_000,
        ...(target.protocol === 'https:' && options.agent && { agent: options.agent }),
      },
      (answer) => {
        res.status(answer.statusCode ?? 502);
        for (const [name, value] of Object.entries(passable(answer.headers))) if (value !== undefined) res.setHeader(name, value);
        answer.pipe(res);
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('timed out')));
    upstream.on('error', () => {
      if (res.headersSent) return res.destroy();
      // The internal address stays in the log; clients learn only which call could not be served.
      req.log?.warn({ target: target.origin, path: req.path }, 'forwarded call: upstream unreachable');
      next(new WardenError('ERR_SERVICE_UNAVAILABLE', `the service that answers ${req.path} is unreachable`));
    });
    req.pipe(upstream);
  };
}
