import { Router } from 'express';
import type { GatewayExtension, GatewayParts } from '@warden/auth-service';
import type { IdentityProviders } from '@warden/console';
import { ConnectionAdmin } from './connections/connection-admin';
import { connectionConsole } from './connections/connection-console';
import { registerConnectionEndpoints } from './connections/connection-endpoints';
import { ConnectionStore } from './connections/connection-store';
import { ConnectionDirectory } from './connections/connection-directory';
import { connectionRoutes } from './connections/connection-routes';
import { ConnectionRuntimes } from './connections/connection-runtime';
import type { ConnectionDoc } from './connections/connection-store';
import { ssoRoutes } from './sso-routes';
import { SsoService, type SsoProviderEntry } from './sso-service';
import type { ProviderSettings } from './sso-settings';

export interface SsoExtensionOptions {
  providers: ProviderSettings[];
  publicUrl?: string;
  /** Hands the built service to the caller (the app's tests and the bench drive it). */
  onCreated?: (service: SsoService) => void;
  /** Hands over the console's Identity Providers operations (the same ConnectionAdmin as the endpoints). */
  onConnections?: (connections: IdentityProviders) => void;
}

/** Single sign-on as a gateway feature: routes, login modes, IdP logout; discovery starts at once. */
export function ssoExtension(options: SsoExtensionOptions): (parts: GatewayParts) => GatewayExtension {
  return (parts) => {
    let listed: () => SsoProviderEntry[] = () => [];
    const service = new SsoService({
      connections: () => listed(),
      providers: options.providers,
      publicUrl: options.publicUrl?.replace(/\/+$/, ''),
      auth: parts.service,
      answerLogin: parts.answerLogin,
      store: parts.service.deps.store,
      users: parts.admin.users,
      groups: parts.admin.groupStore,
      audit: parts.service.deps.audit,
      mongo: parts.mongo,
      redis: parts.redis,
      logger: parts.service.deps.logger,
      keyPrefix: parts.rateLimitPrefix ? `${parts.rateLimitPrefix}:sso` : undefined,
    });
    service.start();
    options.onCreated?.(service);
    // Connections admins make in the console or the API, beside the env-configured providers.
    const connectionStore = new ConnectionStore(parts.mongo, parts.sealer('idp-connection-secrets'));
    const directory = new ConnectionDirectory(connectionStore, parts.redis, service.prefix, parts.service.deps.logger);
    listed = () => directory.list().map(connectionEntry);
    const connections = new ConnectionAdmin({
      store: connectionStore,
      admin: parts.admin,
      audit: parts.service.deps.audit,
      onChange: () => directory.changed(),
    });
    // The console lists the env providers (not the stored connections entries() adds) read-only.
    const envProviders = options.providers.map((p) => ({ name: p.name, displayName: p.display_name ?? p.name }));
    options.onConnections?.(connectionConsole(connections, () => envProviders));
    const { clearml } = parts.service.deps;
    const routes = Router();
    routes.use(ssoRoutes(service));
    routes.use(
      connectionRoutes({
        sso: service,
        runtimes: new ConnectionRuntimes(service, connectionStore),
        store: connectionStore,
        admin: parts.admin,
        session: { verify: parts.verify, cookieName: clearml.session_auth_cookie_name, sessionSecret: parts.sessionSecret },
      }),
    );
    return {
      routes,
      endpoints: (api) => registerConnectionEndpoints(api, connections),
      setUp: async () => {
        await service.setUp();
        await connectionStore.ensureIndexes();
        await directory.start();
      },
      loginModes: () => service.loginModes(),
      logout: (claims, req) => service.logout(claims, req),
      close: async () => {
        service.close();
        await directory.close();
      },
    };
  };
}

/** An active stored connection's login button: named apart from env providers, started at its own URL. */
function connectionEntry(doc: ConnectionDoc): SsoProviderEntry {
  return { name: `connection-${doc._id}`, display_name: doc.display_name, url: `/sso/${doc._id}/login`, available: true };
}
