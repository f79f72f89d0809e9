import type { GatewayExtension, GatewayParts } from '@warden/auth-service';
import type { IdentityProviders } from '@warden/console';
import { ConnectionAdmin } from './connections/connection-admin';
import { connectionConsole } from './connections/connection-console';
import { registerConnectionEndpoints } from './connections/connection-endpoints';
import { ConnectionStore } from './connections/connection-store';
import { ssoRoutes } from './sso-routes';
import { SsoService } from './sso-service';
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
    const service = new SsoService({
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
    const connections = new ConnectionAdmin({ store: connectionStore, admin: parts.admin, audit: parts.service.deps.audit });
    options.onConnections?.(connectionConsole(connections, () => service.entries().map((e) => ({ name: e.name, displayName: e.display_name }))));
    return {
      routes: ssoRoutes(service),
      endpoints: (api) => registerConnectionEndpoints(api, connections),
      setUp: async () => {
        await service.setUp();
        await connectionStore.ensureIndexes();
      },
      loginModes: () => service.loginModes(),
      logout: (claims, req) => service.logout(claims, req),
      close: async () => service.close(),
    };
  };
}
