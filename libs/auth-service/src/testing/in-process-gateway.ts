import type { Express } from 'express';
import { connectBackends, type Backends } from '@warden/backends';
import { HOSTS_DEFAULTS, hostsSchema } from '@warden/config';
import { createLogger, createServiceApp } from '@warden/http';
import { CapturedLogs } from '@warden/http/testing';
import { SecretScrubber } from '@warden/secrets';
import { createGateway, type Gateway, type GatewayOptions } from '../create-gateway';

export interface InProcessGatewayOptions extends Pick<GatewayOptions, 'clearml' | 'gateway' | 'secrets' | 'webRoutes' | 'extensions'> {
  /** Names the logger and the rate-limit prefix. */
  name: string;
  /** The spec's own MongoDB database (also its rate-limit namespace), dropped on close. */
  db: string;
}

export interface InProcessGateway {
  logs: CapturedLogs;
  backends: Backends;
  gateway: Gateway;
  app: Express;
  /** Closes the gateway and the backends and drops the database. */
  close(): Promise<void>;
}

/** The gateway in-process against the real Redis and MongoDB-wire server, with a database of its own. */
export function inProcessGateway(options: InProcessGatewayOptions): InProcessGateway {
  const { db } = options;
  const url = `mongodb://127.0.0.1:27017/${db}`;
  const hosts = hostsSchema.parse({ ...HOSTS_DEFAULTS, mongo: { backend: { host: url }, auth: { host: url } } });
  const logs = new CapturedLogs();
  const scrubber = new SecretScrubber();
  const logger = createLogger({ name: `${options.name}-test`, level: 'info', scrubber, destination: logs });
  const backends = connectBackends(hosts, { redis: true, mongo: 'auth' }, logger);
  const gateway = createGateway({
    clearml: options.clearml,
    gateway: options.gateway,
    secrets: options.secrets,
    webRoutes: options.webRoutes,
    mongo: backends.mongo!.connection,
    redis: backends.redis!.client,
    logger,
    rateLimitPrefix: `warden-test-${options.name}-${db}`,
    extensions: options.extensions,
  });
  const app = createServiceApp({
    logger,
    scrubber,
    readiness: gateway.readiness,
    state: { draining: false, warnings: [] },
    exposeStacks: false,
    routes: gateway.routes,
  });
  return {
    logs,
    backends,
    gateway,
    app,
    close: async () => {
      await gateway.close();
      await backends.mongo!.connection.dropDatabase().catch(() => undefined);
      await backends.close();
    },
  };
}
