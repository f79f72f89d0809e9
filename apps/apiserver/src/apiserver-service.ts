import { Router } from 'express';
import { z } from 'zod';
import { connectBackends } from '@warden/backends';
import {
  HOSTS_DEFAULTS,
  LOGGING_DEFAULTS,
  hostsSchema,
  loggingSchema,
  refuseCleartextUrls,
  serviceDefaults,
  serviceSchema,
  workersSchema,
} from '@warden/config';
import { forwardCalls, secretOrEphemeral, type ServiceDefinition } from '@warden/http';
import { createServiceVerifier, verifierDefaults, verifierSettingsSchema } from '@warden/tokens';
import { apiserverApi } from './apiserver-api';

export const API_PORT = 8008;

const schema = z.object({
  apiserver: serviceSchema().extend({
    auth_gateway: z.object({ url: z.string().url() }),
    auth: verifierSettingsSchema,
    /** Largest JSON or json-lines request body; the ClearML SDK cuts event batches at 15 MiB. */
    max_request_mb: z.number().positive().max(512),
    workers: workersSchema,
  }),
  secure: z
    .object({
      http: z.object({ session_secret: z.object({ apiserver: z.string().optional() }).default({}) }).default({}),
      // The apiserver's service secret, which the gateway also holds: it signs the caller's address on forwarded calls.
      credentials: z.object({ apiserver: z.object({ user_secret: z.string().optional() }).default({}) }).default({}),
    })
    .default({}),
  hosts: hostsSchema,
  logging: loggingSchema,
});

// The ClearML SDK only knows the API host, so logins, the login page's calls and the user
// directory (the gateway owns identities) pass through here.
const GATEWAY_PATHS = /^\/(?:v\d+\.\d+\/)?(?:auth|login|users)\.\w+$/i;

export type ApiserverConfig = z.infer<typeof schema>;

export const apiserverService: ServiceDefinition<ApiserverConfig> = {
  app: 'apiserver',
  schema,
  // ClearML's half of apiserver.auth (token lifetimes, cookies, fixed users) is the gateway's to read and check.
  keys: { owned: ['apiserver'], readElsewhere: ['apiserver.auth'] },
  defaults: {
    apiserver: {
      ...serviceDefaults(API_PORT),
      auth_gateway: { url: 'http://127.0.0.1:8080' },
      auth: verifierDefaults('clearml-api'),
      max_request_mb: 16,
      workers: 1,
    },
    hosts: HOSTS_DEFAULTS,
    logging: LOGGING_DEFAULTS,
  },
  listener: (config) => config.apiserver,
  section: 'apiserver',
  workers: (config) => config.apiserver.workers,
  start: async ({ config, resolved, logger, httpsAgent }) => {
    const { auth } = config.apiserver;
    // Keys decide whom we trust; the gateway URL carries every login. A key file needs no URL.
    refuseCleartextUrls(resolved, ['apiserver.auth_gateway.url', ...(auth.public_key_file ? [] : ['apiserver.auth.jwks_url'])]);
    const backends = connectBackends(config.hosts, { redis: true, mongo: 'backend', elasticsearch: true }, logger);
    // connectBackends opened all three because they were asked for above.
    const tokens = createServiceVerifier(auth, backends.redis!.client, (error) => logger.warn({ err: error }, 'token revocation list'), httpsAgent);
    const api = apiserverApi({
      verifier: tokens.verifier,
      cookieNames: auth.cookie_names,
      csrfKey: secretOrEphemeral(
        config.secure.http.session_secret.apiserver,
        'secure.http.session_secret.apiserver',
        logger,
        'cookie-authenticated changes are refused',
      ),
      maxBodyBytes: config.apiserver.max_request_mb * 1024 * 1024,
      mongo: backends.mongo!.connection,
      redis: backends.redis!.client,
      elastic: backends.elasticsearch!.client,
      logger,
    });
    const clientSecret = config.secure.credentials.apiserver.user_secret;
    const warnings = clientSecret
      ? []
      : [
          'secure.credentials.apiserver.user_secret is not set: the gateway sees every forwarded login as coming from this apiserver, so they share one rate limit',
        ];
    const routes = Router();
    routes.use(forwardCalls({ target: config.apiserver.auth_gateway.url, paths: GATEWAY_PATHS, clientSecret, agent: httpsAgent }));
    routes.use(api.routes);
    return {
      routes,
      readiness: [...backends.readiness, api.readiness, tokens.readiness],
      endpoints: api.endpoints,
      warnings,
      close: async () => {
        await tokens.close();
        await backends.close();
      },
    };
  },
};
