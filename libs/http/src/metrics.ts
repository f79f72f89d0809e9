import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { RequestHandler } from 'express';
import { AggregatorRegistry, collectDefaultMetrics, Histogram, type PrometheusContentType, type Registry } from 'prom-client';

export interface ServiceMetrics {
  registry: Registry;
  middleware: RequestHandler;
}

export function createMetrics(service: string): ServiceMetrics {
  // An AggregatorRegistry also answers the primary's requests when the service runs several workers.
  const registry = new AggregatorRegistry<PrometheusContentType>();
  if (cluster.isWorker) AggregatorRegistry.setRegistries([registry]);
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  });
  const middleware: RequestHandler = (req, res, next) => {
    const stop = duration.startTimer();
    res.on('finish', () => {
      // Route patterns or ClearML endpoint names (res.locals.route), never raw paths: raw paths
      // would make one series per object name.
      const route = (req.route?.path as string | undefined) ?? (res.locals['route'] as string | undefined) ?? (res.statusCode === 404 ? 'unmatched' : 'other');
      stop({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
  return { registry, middleware };
}

/** Metrics get their own listener (loopback by default) so they are never on the public port. */
export function startMetricsServer(render: () => Promise<string>, contentType: string, host: string, port: number): Promise<Server> {
  // node:http drops whatever its callback returns, so the render's outcome is handled right here.
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    render().then(
      (body) => res.writeHead(200, { 'Content-Type': contentType }).end(body),
      // A worker that does not answer (starting, dying) makes the aggregate time out.
      () => res.writeHead(503).end(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
