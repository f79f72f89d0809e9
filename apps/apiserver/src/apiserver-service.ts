import { Router } from 'express';
import { z } from 'zod';
import { connectBackends } from '@warden/backends';
import { HOSTS_DEFAULTS, LOGGING_DEFAULTS, hostsSchema, loggingSchema, serviceDefaults, serviceSchema } from '@warden/config';
import type { ServiceDefinition } from '@warden/http';

export const API_PORT = 8008;

const schema = z.object({ apiserver: serviceSchema(), hosts: hostsSchema, logging: loggingSchema });

export type ApiserverConfig = z.infer<typeof schema>;

export const apiserverService: ServiceDefinition<ApiserverConfig> = {
  app: 'apiserver',
  schema,
  defaults: { apiserver: serviceDefaults(API_PORT), hosts: HOSTS_DEFAULTS, logging: LOGGING_DEFAULTS },
  listener: (config) => config.apiserver,
  start: async ({ config, logger }) => {
    const backends = connectBackends(config.hosts, { redis: true, mongo: 'backend', elasticsearch: true }, logger);
    return { routes: Router(), readiness: backends.readiness, close: backends.close };
  },
};
