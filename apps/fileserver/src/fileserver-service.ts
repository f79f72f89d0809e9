import { Router } from 'express';
import { z } from 'zod';
import { connectBackends } from '@warden/backends';
import { HOSTS_DEFAULTS, LOGGING_DEFAULTS, hostsSchema, loggingSchema, serviceDefaults, serviceSchema } from '@warden/config';
import type { ServiceDefinition } from '@warden/http';

export const FILESERVER_PORT = 8081;

const schema = z.object({
  fileserver: serviceSchema().extend({ auth: z.object({ enabled: z.boolean() }) }),
  hosts: hostsSchema,
  logging: loggingSchema,
});

export type FileserverConfig = z.infer<typeof schema>;

export const AUTH_DISABLED_WARNING =
  'fileserver.auth.enabled is false: anyone who can reach the fileserver can read, write and delete every file';

export const fileserverService: ServiceDefinition<FileserverConfig> = {
  app: 'fileserver',
  schema,
  defaults: {
    fileserver: { ...serviceDefaults(FILESERVER_PORT), auth: { enabled: true } },
    hosts: HOSTS_DEFAULTS,
    logging: LOGGING_DEFAULTS,
  },
  listener: (config) => config.fileserver,
  start: async ({ config, logger }) => {
    // Redis carries token revocations to the fileserver.
    const backends = connectBackends(config.hosts, { redis: true }, logger);
    return {
      routes: Router(),
      readiness: backends.readiness,
      warnings: config.fileserver.auth.enabled ? [] : [AUTH_DISABLED_WARNING],
      close: backends.close,
    };
  },
};
