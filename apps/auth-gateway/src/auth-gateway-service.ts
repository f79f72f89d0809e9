import { Router } from 'express';
import { z } from 'zod';
import { connectBackends } from '@warden/backends';
import { HOSTS_DEFAULTS, LOGGING_DEFAULTS, hostsSchema, loggingSchema, serviceDefaults, serviceSchema } from '@warden/config';
import type { ServiceDefinition } from '@warden/http';

export const GATEWAY_PORT = 8080;

const schema = z.object({ auth_gateway: serviceSchema(), hosts: hostsSchema, logging: loggingSchema });

export type AuthGatewayConfig = z.infer<typeof schema>;

export const authGatewayService: ServiceDefinition<AuthGatewayConfig> = {
  app: 'auth-gateway',
  schema,
  defaults: { auth_gateway: serviceDefaults(GATEWAY_PORT), hosts: HOSTS_DEFAULTS, logging: LOGGING_DEFAULTS },
  listener: (config) => config.auth_gateway,
  start: async ({ config, logger }) => {
    const backends = connectBackends(config.hosts, { redis: true, mongo: 'auth' }, logger);
    return { routes: Router(), readiness: backends.readiness, close: backends.close };
  },
};
