import express, { type Express, type RequestHandler, type Router } from 'express';
import type { SecretScrubber } from '@warden/secrets';
import { errorMiddleware, unknownEndpoint } from './error-middleware';
import { bypassRouter, type FastRoutes } from './fast-routes';
import type { Logger } from './logger';
import type { ServiceMetrics } from './metrics';
import { healthHandler, readyHandler, type ReadinessCheck, type ServiceState } from './readiness';
import { requestId } from './request-id';
import { accessLog, installRequestLogger } from './request-log';
import { securityHeaders } from './security-headers';

export interface ServiceAppOptions {
  logger: Logger;
  scrubber: SecretScrubber;
  readiness: readonly ReadinessCheck[];
  state: ServiceState;
  metrics?: ServiceMetrics;
  /** Stack traces in error bodies: development only. */
  exposeStacks: boolean;
  /** The service's own routes, mounted after the kit's middleware and before its error handling. */
  routes: Router;
  /** Addresses/CIDRs of the proxies whose X-Forwarded-For is believed for req.ip; none when empty. */
  trustProxy?: string[];
  /** Hot paths served with the kit's middleware and error handling but without the router (see bypassRouter). */
  fastRoutes?: FastRoutes;
}

/** The Express app every Warden service is built on. */
export function createServiceApp(options: ServiceAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy && options.trustProxy.length > 0 ? options.trustProxy : false);
  installRequestLogger(app, options.logger);
  const kit: RequestHandler[] = [
    requestId,
    accessLog(options.logger),
    securityHeaders(),
    ...(options.metrics ? [options.metrics.middleware] : []),
    (_req, res, next) => {
      // While draining, keep-alive connections are closed after their current response.
      if (options.state.draining) res.set('Connection', 'close');
      next();
    },
  ];
  for (const middleware of kit) app.use(middleware);
  app.get('/health', healthHandler);
  app.get('/ready', readyHandler(options.readiness, options.state, options.scrubber));
  app.use(options.routes);
  app.use(unknownEndpoint);
  const errors = errorMiddleware({ logger: options.logger, scrubber: options.scrubber, exposeStacks: options.exposeStacks });
  app.use(errors);
  if (options.fastRoutes) bypassRouter(app, kit, options.fastRoutes, errors);
  return app;
}
