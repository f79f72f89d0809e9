import { WardenError } from '@warden/errors';
import { OidcClient } from '../oidc-client';
import { WardenOidcStrategy } from '../oidc-strategy';
import { SamlServiceProvider } from '../saml/saml-service-provider';
import type { SignInRules } from '../sign-in-rules';
import type { SsoService } from '../sso-service';
import { providerSchema, type ProviderSettings } from '../sso-settings';
import { connectionUrls } from './connection-admin';
import type { OidcConfig, SamlConfig } from './connection-fields';
import { connectionRules } from './connection-rules';
import type { ConnectionDoc, ConnectionStore } from './connection-store';

export interface OidcRuntime {
  protocol: 'oidc';
  client: OidcClient;
  strategy: string;
  callbackUrl: string;
}

export interface SamlRuntime {
  protocol: 'saml';
  sp: SamlServiceProvider;
}

export type ConnectionRuntime = (OidcRuntime | SamlRuntime) & { doc: ConnectionDoc; rules: SignInRules };

/** comma-separated (the seed's fields) to OAuth's space-separated scope. */
const scopes = (...lists: string[]) => [...new Set(lists.flatMap((l) => l.split(',').map((s) => s.trim())).filter(Boolean))].join(' ');

/**
 * A stored OIDC connection as the env providers' settings, so the same client, strategy, state,
 * PKCE and nonce code signs in through it. The seed's connection names no issuer and no discovery
 * URL: the endpoints are explicit, and the issuer is the ID token's own (see OidcClient's trust).
 */
function oidcSettings(doc: ConnectionDoc, rules: SignInRules, clientSecret: string | undefined): ProviderSettings {
  const c = doc.config as OidcConfig;
  const defaults = providerSchema.parse({});
  return {
    ...defaults,
    name: rules.name,
    display_name: c.display_name,
    // Never compared (issuerFromToken); ProviderMetadata wants every explicit endpoint named.
    issuer: `urn:warden:idp-connection:${doc._id}`,
    authorize_url: c.authorization_endpoint,
    access_token_url: c.token_endpoint,
    jwks_url: c.jwks_uri ?? c.token_endpoint,
    userinfo_url: c.user_info_from_id_token ? undefined : c.userinfo_endpoint,
    scope: scopes('openid', c.standard_scopes, c.additional_scopes),
    pkce: c.code_challenge_method,
    get_info_from_access_token: false,
    claims: { ...defaults.claims, ...rules.claims },
    clientId: c.client_id,
    clientSecret,
  };
}

/**
 * The protocol side of each stored connection, built on first use and rebuilt when the connection
 * changes (its last_update): an OIDC client (keys cached) with its passport strategy, or a SAML SP.
 */
export class ConnectionRuntimes {
  private readonly built = new Map<string, { stamp: number; runtime: ConnectionRuntime }>();

  constructor(
    private readonly sso: SsoService,
    private readonly store: ConnectionStore,
  ) {}

  /** The connection addressed by a sign-in route: unknown ids and (unless `inactiveToo`) inactive ones refused. */
  async of(id: string, options: { inactiveToo?: boolean; protocol?: 'oidc' | 'saml' } = {}): Promise<ConnectionRuntime> {
    const doc = await this.store.byId(id);
    if (!doc.active && !options.inactiveToo) throw new WardenError('ERR_IDP_CONNECTION_INACTIVE');
    if (options.protocol && doc.protocol !== options.protocol) throw new WardenError('ERR_IDP_PROTOCOL');
    return this.runtimeOf(doc);
  }

  runtimeOf(doc: ConnectionDoc): ConnectionRuntime {
    const stamp = new Date(doc.last_update).getTime();
    const cached = this.built.get(doc._id);
    if (cached?.stamp === stamp) return { ...cached.runtime, doc };
    const runtime = this.build(doc);
    this.built.set(doc._id, { stamp, runtime });
    return runtime;
  }

  private build(doc: ConnectionDoc): ConnectionRuntime {
    const rules = connectionRules(doc);
    const urls = connectionUrls(doc);
    const secret = this.store.openSecret(doc);
    if (doc.protocol === 'saml') {
      const connection = { id: doc._id, config: doc.config as SamlConfig, idp: doc.idp!, acsUrl: urls['acs_url'], privateKey: secret };
      return { protocol: 'saml', doc, rules, sp: new SamlServiceProvider(connection, this.sso.options.redis, this.sso.prefix) };
    }
    const settings = oidcSettings(doc, rules, secret);
    const { logger } = this.sso.options;
    const client = new OidcClient(settings, (message) => logger.warn({ connection: doc._id }, message), {
      issuerFromToken: true,
      verifySignature: (doc.config as OidcConfig).verify_token_signature,
    });
    const strategy = new WardenOidcStrategy(client, this.sso.states);
    // Same name on a rebuild: passport replaces the strategy of the connection's previous version.
    this.sso.passport.use(strategy.name, strategy);
    return { protocol: 'oidc', doc, rules, client, strategy: strategy.name, callbackUrl: urls['callback_url'] };
  }
}
