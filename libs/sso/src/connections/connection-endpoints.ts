import { z } from 'zod';
import { WardenError } from '@warden/errors';
import type { ClearmlApi } from '@warden/http';
import type { GatewayCaller } from '@warden/auth-service';
import type { ConnectionActor, ConnectionAdmin } from './connection-admin';
import { fieldError } from './connection-input';

const id = z.string().min(1).max(64);
/** The envelope of each endpoint; create and update check their fields against the protocol's schema. */
const BODIES = {
  get_all: z.object({}).strict(),
  get_by_id: z.object({ id }).strict(),
  delete: z.object({ id }).strict(),
  set_active: z.object({ id, active: z.boolean() }).strict(),
  create: z.object({ protocol: z.enum(['oidc', 'saml']), provider: z.string().max(40) }).passthrough(),
  update: z.object({ id }).passthrough(),
};

function body<K extends keyof typeof BODIES>(name: K, data: Record<string, unknown>): z.infer<(typeof BODIES)[K]> {
  const parsed = BODIES[name].safeParse(data);
  if (!parsed.success) throw fieldError(parsed.error);
  return parsed.data;
}

function actorOf(auth: GatewayCaller, clientIp: string | undefined): ConnectionActor {
  if (!auth.token) throw new WardenError('ERR_UNAUTHORIZED');
  const { user, company } = auth.token.claims.identity;
  return { user, company, clientIp };
}

/**
 * `identity_providers.*`: the admins' API for identity-provider connections (the console's page
 * calls the same). Answers never carry a client secret, a private key or the metadata file.
 */
export function registerConnectionEndpoints(api: ClearmlApi<GatewayCaller>, connections: ConnectionAdmin): void {
  api.endpoint('identity_providers.get_all', { auth: 'token' }, async ({ auth, data, req }) => {
    body('get_all', data);
    return { connections: await connections.list(actorOf(auth, req.ip)) };
  });
  api.endpoint('identity_providers.get_by_id', { auth: 'token' }, async ({ auth, data, req }) => ({
    connection: await connections.get(actorOf(auth, req.ip), body('get_by_id', data).id),
  }));
  api.endpoint('identity_providers.create', { auth: 'token' }, async ({ auth, data, req }) => {
    body('create', data);
    return { connection: await connections.create(actorOf(auth, req.ip), data) };
  });
  api.endpoint('identity_providers.update', { auth: 'token' }, async ({ auth, data, req }) => {
    body('update', data);
    return { connection: await connections.update(actorOf(auth, req.ip), data) };
  });
  api.endpoint('identity_providers.set_active', { auth: 'token' }, async ({ auth, data, req }) => {
    const { id: connection, active } = body('set_active', data);
    return { connection: await connections.setActive(actorOf(auth, req.ip), connection, active) };
  });
  api.endpoint('identity_providers.delete', { auth: 'token' }, async ({ auth, data, req }) =>
    connections.remove(actorOf(auth, req.ip), body('delete', data).id),
  );
}
