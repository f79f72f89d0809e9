import type { Request } from 'express';
import { z } from 'zod';
import {
  CLEARML_AUTH_DEFAULTS,
  GATEWAY_AUTH_DEFAULTS,
  clearmlAuthSchema,
  createGateway,
  fixedUserPolicyWarnings,
  gatewayAuthSchema,
  runTenantCommand,
} from '@warden/auth-service';
import { join } from 'node:path';
import { connectBackends } from '@warden/backends';
import { consoleSettingsSchema, createConsole, publicHosts, type IdentityProviders } from '@warden/console';
import { PasswordPolicy, type SystemCredentialName } from '@warden/identity';
import { ConfigError, HOSTS_DEFAULTS, LOGGING_DEFAULTS, hostsSchema, loggingSchema, serviceDefaults, serviceSchema, workersSchema } from '@warden/config';
import { secretOrEphemeral, type ServiceDefinition } from '@warden/http';
import { providerSettings, ssoExtension, ssoSecureLoginSchema, ssoServicesSchema, type SsoService } from '@warden/sso';
import { verifierSettingsSchema, type TokenClaims } from '@warden/tokens';

export const GATEWAY_PORT = 8080;
export const GATEWAY_TLS_PORT = 8443;
// The build writes the console's script and style sheet beside the bundle (see project.json).
const CONSOLE_ASSETS_DIR = join(__dirname, 'console-assets');

const credential = z.object({ user_key: z.string().optional(), user_secret: z.string().optional() }).optional();
const secureSchema = z.object({
  auth: z.object({ token_secret: z.string().optional(), signing_key: z.string().optional(), operator_secret: z.string().optional() }).default({}),
  http: z.object({ session_secret: z.object({ apiserver: z.string().optional() }).default({}) }).default({}),
  credentials: z.object({ apiserver: credential, fileserver: credential, webserver: credential, tests: credential }).default({}),
  login: ssoSecureLoginSchema,
});

const schema = z.object({
  auth_gateway: serviceSchema().merge(gatewayAuthSchema).extend({ workers: workersSchema, console: consoleSettingsSchema }),
  services: ssoServicesSchema,
  apiserver: z.object({ auth: clearmlAuthSchema }),
  secure: secureSchema.default({}),
  hosts: hostsSchema,
  logging: loggingSchema,
});

export type AuthGatewayConfig = z.infer<typeof schema>;

export const FILESERVER_CREDENTIALS_UNUSED =
  'secure.credentials.fileserver is set but no longer used: the fileserver holds no credentials, and the ones stored for it are revoked (remove CLEARML__SECURE__CREDENTIALS__FILESERVER__*)';

// The fileserver's are left out: it holds none, and the gateway revokes any stored by older versions.
function systemCredentials(secure: AuthGatewayConfig['secure']) {
  const names: SystemCredentialName[] = ['apiserver', 'webserver', 'tests'];
  return names.flatMap((name) => {
    const c = secure.credentials[name];
    return c?.user_key && c.user_secret ? [{ name, accessKey: c.user_key, secretKey: c.user_secret }] : [];
  });
}

/**
 * The configured OIDC providers as a gateway extension, and what the console asks of them (the login
 * page's buttons, an SSO login's IdP logout). Every problem stops the start with what to set.
 */
function ssoSetup(config: AuthGatewayConfig, mode: 'production' | 'development') {
  const { providers, warnings } = providerSettings(config.services.login.sso.oauth_client, config.secure.login.sso.oauth_client, mode);
  let service: SsoService | undefined;
  let connections: IdentityProviders | undefined;
  const forConsole = {
    providers: () => (service?.entries() ?? []).map((e) => ({ name: e.name, displayName: e.display_name, startUrl: e.url })),
    logoutRedirect: (claims: TokenClaims, req: Request) => service?.logout(claims, req) ?? Promise.resolve(undefined),
    // Set while the gateway builds its extensions, before the console asks.
    identityProviders: () => connections,
  };
  const publicUrl = config.auth_gateway.console.web_host;
  if (!publicUrl && mode === 'production' && providers.length > 0) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `auth_gateway.console.web_host is not set: single sign-on (${providers.map((p) => p.name).join(', ')}) registers exact redirect URIs <web_host>/callback_<provider> with the provider. Set CLEARML__AUTH_GATEWAY__CONSOLE__WEB_HOST to the web address users open, e.g. https://clearml.example.com`,
    );
  }
  const unset =
    publicUrl || providers.length === 0
      ? []
      : ["auth_gateway.console.web_host is not set: SSO redirect URIs follow each request's Host header (development only)"];
  // Mounted without env providers too: admins' stored connections (identity_providers.*, /sso/<id>/...) live in it.
  return {
    extensions: [ssoExtension({ providers, publicUrl, onCreated: (created) => (service = created), onConnections: (made) => (connections = made) })],
    warnings: [...warnings, ...unset],
    ...forConsole,
  };
}

export const authGatewayService: ServiceDefinition<AuthGatewayConfig> = {
  app: 'auth-gateway',
  schema,
  // The gateway answers for all of apiserver.auth, the apiserver's token-verifier keys included.
  keys: {
    owned: ['auth_gateway', 'apiserver.auth', 'services.login.sso', 'secure.login.sso'],
    alsoRead: [z.object({ apiserver: z.object({ auth: verifierSettingsSchema }) })],
  },
  defaults: {
    auth_gateway: { ...serviceDefaults(GATEWAY_PORT), ...GATEWAY_AUTH_DEFAULTS, workers: 1 },
    apiserver: { auth: CLEARML_AUTH_DEFAULTS },
    hosts: HOSTS_DEFAULTS,
    logging: LOGGING_DEFAULTS,
  },
  listener: (config) => config.auth_gateway,
  section: 'auth_gateway',
  // The web origin, as the seed's master: 8443 with TLS on unless auth_gateway.listen_port says otherwise.
  tlsDefaultPort: GATEWAY_TLS_PORT,
  commands: {
    tenant: (args, { config, self, print, printError }) => {
      return runTenantCommand(args, {
        operatorSecret: config.secure.auth.operator_secret,
        defaultUrl: self.url,
        agent: self.agent,
        print,
        printError,
      });
    },
  },
  workers: (config) => config.auth_gateway.workers,
  start: async ({ config, resolved, logger, metricsRegistry }) => {
    if (config.auth_gateway.login.free_access && resolved.mode === 'production') {
      throw new ConfigError(
        'ERR_CONFIG_INVALID',
        'auth_gateway.login.free_access is true: free access lets anyone log in as anyone and is refused in production. Turn it off (CLEARML__AUTH_GATEWAY__LOGIN__FREE_ACCESS=false) and use fixed users or local users.',
      );
    }
    const sso = ssoSetup(config, resolved.mode);
    const backends = connectBackends(config.hosts, { redis: true, mongo: 'auth' }, logger);
    const { secure } = config;
    const gateway = createGateway({
      clearml: config.apiserver.auth,
      gateway: config.auth_gateway,
      // In development a missing secret is only a warning; a per-process stand-in keeps the gateway
      // usable, at the price of hashes and stored keys that do not survive a restart.
      secrets: {
        tokenSecret: secretOrEphemeral(secure.auth.token_secret, 'secure.auth.token_secret', logger),
        sessionSecret: secretOrEphemeral(secure.http.session_secret.apiserver, 'secure.http.session_secret.apiserver', logger),
        signingKeyPem: secure.auth.signing_key,
        systemCredentials: systemCredentials(secure),
        operatorSecret: secure.auth.operator_secret,
      },
      // connectBackends opened both because they were asked for above.
      mongo: backends.mongo!.connection,
      redis: backends.redis!.client,
      logger,
      extensions: sso.extensions,
      webRoutes: (parts) =>
        createConsole({
          parts,
          assetsDir: CONSOLE_ASSETS_DIR,
          hosts: publicHosts(config.auth_gateway.console, config.auth_gateway.listen_port),
          metricsRegistry,
          ssoProviders: () => sso.providers(),
          logoutRedirect: (claims, req) => sso.logoutRedirect(claims, req),
          identityProviders: sso.identityProviders(),
        }),
    });
    const warnings = [
      ...(config.auth_gateway.login.free_access ? ['auth_gateway.login.free_access is on: anyone can log in as any user name (development only)'] : []),
      ...(secure.credentials.fileserver ? [FILESERVER_CREDENTIALS_UNUSED] : []),
      ...sso.warnings,
    ];
    // Development setups use throwaway fixed users; in production a weak one deserves a warning.
    if (resolved.mode === 'production')
      warnings.push(...(await fixedUserPolicyWarnings(config.apiserver.auth, new PasswordPolicy(config.auth_gateway.login.password_policy))));
    return {
      routes: gateway.routes,
      readiness: [...backends.readiness, ...gateway.readiness],
      endpoints: gateway.endpoints,
      warnings,
      close: async () => {
        await gateway.close();
        await backends.close();
      },
    };
  },
};
