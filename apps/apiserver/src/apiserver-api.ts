import type { Client } from '@elastic/elasticsearch';
import type { Connection } from 'mongoose';
import type { RedisClientType } from 'redis';
import { Router } from 'express';
import {
  CLEARML_API_VERSION,
  CLEARML_SERVER_VERSION,
  ClearmlApi,
  tokenAuthenticator,
  type Logger,
  type ReadinessCheck,
  type TokenAuth,
  type TokenAuthenticatorOptions,
} from '@warden/http';
import { WardenError } from '@warden/errors';
import { EventStore, registerEventEndpoints } from '@warden/events';
import { registerExperimentEndpoints } from '@warden/experiments';
import { assertTenantMember } from '@warden/tokens';
import { schemaSetup } from './schema-setup';

export interface ApiserverApiOptions extends Omit<TokenAuthenticatorOptions, 'csrfExempt'> {
  maxBodyBytes: number;
  mongo: Connection;
  elastic: Client;
  /** Registered workers (workers.*) live here, as in clearml-server. */
  redis: RedisClientType;
  logger: Logger;
}

// Calls that only read may come by cookie without the CSRF header; every change needs it.
const READ_ONLY = /\.(get_\w+|scalar_metrics_iter_histogram)$/i;

/**
 * The ClearML API the SDK and workers call. Every call but the two probes verifies its token here,
 * against the gateway's published keys; the handlers act in the token's company only.
 */
export function apiserverApi(options: ApiserverApiOptions): { routes: Router; readiness: ReadinessCheck; endpoints: string[] } {
  const authenticate = tokenAuthenticator({ ...options, csrfExempt: (req) => READ_ONLY.test(req.path) });
  const api = new ClearmlApi<TokenAuth>({
    maxBodyBytes: options.maxBodyBytes,
    authenticate: async (req, mode) => {
      const auth = await authenticate(req, mode);
      if (!auth) throw new WardenError('ERR_UNAUTHORIZED');
      assertTenantMember(auth.claims.identity);
      return auth;
    },
  });
  const events = new EventStore(options.elastic);
  const experiments = registerExperimentEndpoints(api, {
    connection: options.mongo,
    redis: options.redis,
    onTaskDeleted: async (company, task) => {
      eventEndpoints.forgetTask(company, task);
      await events.deleteTaskEvents(company, task);
    },
    onLocked: (company, id) => eventEndpoints.forgetTask(company, id),
  });
  const eventEndpoints = registerEventEndpoints(api, { store: events, tasks: experiments });
  const readiness = schemaSetup([() => experiments.ensureIndexes(), () => events.ensureTemplates()], options.logger);

  // ClearML answers these two without a token: load balancers and `clearml-init` probe them.
  const probes = new ClearmlApi<undefined>({ authenticate: async () => undefined });
  probes.endpoint('debug.ping', { auth: 'none' }, () => ({ msg: 'ClearML server' }));
  probes.endpoint('server.info', { auth: 'none' }, () => ({ version: CLEARML_SERVER_VERSION, api_version: CLEARML_API_VERSION, build: 'warden', commit: '' }));

  const routes = Router();
  routes.use(probes.router, api.router);
  return { routes, readiness, endpoints: [...probes.endpointNames(), ...api.endpointNames()] };
}
