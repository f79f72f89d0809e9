import { Router } from 'express';
import { z } from 'zod';
import { connectBackends } from '@warden/backends';
import { HOSTS_DEFAULTS, LOGGING_DEFAULTS, hostsSchema, loggingSchema, serviceDefaults, serviceSchema } from '@warden/config';
import { forwardCalls, type ServiceDefinition } from '@warden/http';

export const API_PORT = 8008;

const schema = z.object({
  apiserver: serviceSchema().extend({ auth_gateway: z.object({ url: z.string().url() }) }),
  hosts: hostsSchema,
  logging: loggingSchema,
});

// The ClearML SDK only knows the API host, so logins and the login page's calls pass through here.
const GATEWAY_PATHS = /^\/(?:v\d+\.\d+\/)?(?:auth|login)\.\w+$/i;

export type ApiserverConfig = z.infer<typeof schema>;

export const apiserverService: ServiceDefinition<ApiserverConfig> = {
  app: 'apiserver',
  schema,
  defaults: {
    apiserver: { ...serviceDefaults(API_PORT), auth_gateway: { url: 'http://127.0.0.1:8080' } },
    hosts: HOSTS_DEFAULTS,
    logging: LOGGING_DEFAULTS,
  },
  listener: (config) => config.apiserver,
  start: async ({ config, logger }) => {
    const backends = connectBackends(config.hosts, { redis: true, mongo: 'backend', elasticsearch: true }, logger);
    const routes = Router();
    routes.use(forwardCalls({ target: config.apiserver.auth_gateway.url, paths: GATEWAY_PATHS }));
    return { routes, readiness: backends.readiness, close: backends.close };
  },
};
