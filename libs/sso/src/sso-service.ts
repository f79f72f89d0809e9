import type { Request, Response } from 'express';
import type { Connection } from 'mongoose';
import { Passport } from 'passport';
import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';
import { WardenError } from '@warden/errors';
import type { AuthService, IssuedLogin } from '@warden/auth-service';
import { GroupStore, type AuditTrail, type IdentityStore } from '@warden/identity';
import { familyOf, type TokenClaims, type TokenFamily } from '@warden/tokens';
import { OidcClient } from './oidc-client';
import { WardenOidcStrategy, type CallbackSuccess } from './oidc-strategy';
import { SsoAccounts, type SsoGroupDirectory, type SsoUserAdmin } from './sso-accounts';
import type { SignInRules } from './sign-in-rules';
import { readProfile } from './sso-profile';
import { SsoSessions } from './sso-sessions';
import type { ProviderSettings } from './sso-settings';
import { SignInStates, randomToken } from './state-store';

export interface SsoServiceOptions {
  providers: ProviderSettings[];
  /** The web origin users reach the gateway at; without it (development only) the request's own. */
  publicUrl?: string;
  auth: AuthService;
  /** The gateway's own answer to a login: token cookie and CSRF cookie, as for a password login. */
  answerLogin: (req: Request, res: Response, issued: IssuedLogin) => unknown;
  store: IdentityStore;
  audit: AuditTrail;
  mongo: Connection;
  redis: RedisClientType;
  logger: Logger;
  /** Group sync's directory; libs/identity's GroupStore on the gateway's database by default. */
  groups?: SsoGroupDirectory;
  /** Role changes and invitations under the company-admin rules (the gateway's CompanyAdmin users). */
  users: SsoUserAdmin;
  /** Namespaces sign-in states and SSO sessions in Redis. */
  keyPrefix?: string;
  /** The active stored connections' buttons, listed after the env-configured providers. */
  connections?: () => SsoProviderEntry[];
}

/** A login-page button: what the console shows and where it starts. */
export interface SsoProviderEntry {
  name: string;
  display_name: string;
  url: string;
  /** False until the provider's discovery has succeeded; its button answers a clear error meanwhile. */
  available: boolean;
}

export interface SsoProvider {
  settings: ProviderSettings;
  client: OidcClient;
}

const LOGOUT_HANDLE_TTL_SEC = 120;
export const SSO_KEY_PREFIX = 'warden:sso';

/** The single sign-on side of the gateway: providers, sign-in states, provisioning, SSO sessions. */
export class SsoService {
  readonly passport = new Passport();
  readonly states: SignInStates;
  readonly sessions: SsoSessions;
  readonly accounts: SsoAccounts;
  private readonly providers = new Map<string, SsoProvider>();
  private readonly strategies = new Map<string, string>();
  readonly prefix: string;

  constructor(readonly options: SsoServiceOptions) {
    this.prefix = options.keyPrefix ?? SSO_KEY_PREFIX;
    this.states = new SignInStates(options.redis, `${this.prefix}:signin`);
    const { gateway } = options.auth.deps;
    this.sessions = new SsoSessions(options.redis, `${this.prefix}:sessions`, gateway.tokens.max_session_lifetime_sec);
    this.accounts = new SsoAccounts(options.mongo, options.store, options.groups ?? new GroupStore(options.mongo), options.users);
    for (const settings of options.providers) {
      const client = new OidcClient(settings, (message) => options.logger.warn({ provider: settings.name }, message));
      this.providers.set(settings.name, { settings, client });
    }
  }

  /** Discovery for every provider, in the background: the gateway serves while a provider is down. */
  start(): void {
    for (const { client } of this.providers.values()) void client.metadata.start();
  }

  async setUp(): Promise<void> {
    await this.accounts.ensureIndexes();
  }

  close(): void {
    for (const { client } of this.providers.values()) client.metadata.close();
  }

  provider(name: string): SsoProvider {
    const found = this.providers.get(name);
    if (!found) throw new WardenError('ERR_SSO_PROVIDER_UNKNOWN', `no single sign-on provider named ${name.slice(0, 40)}`);
    return found;
  }

  /** The passport strategy of a provider, built once its endpoints are known. */
  strategyFor(provider: SsoProvider): string {
    const name = `oidc-${provider.settings.name}`;
    if (!this.strategies.has(name)) {
      provider.client.metadata.current();
      this.passport.use(name, new WardenOidcStrategy(provider.client, this.states));
      this.strategies.set(name, name);
    }
    return name;
  }

  origin(req: Request): string {
    return this.options.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  }

  redirectUri(req: Request, provider: string): string {
    return `${this.origin(req)}/callback_${provider}`;
  }

  entries(): SsoProviderEntry[] {
    const env = [...this.providers.values()].map(({ settings, client }) => ({
      name: settings.name,
      display_name: settings.display_name ?? settings.name,
      url: `/login/sso/${settings.name}`,
      available: client.metadata.ready,
    }));
    return [...env, ...(this.options.connections?.() ?? [])];
  }

  /** `login.supported_modes` as ClearML reports SSO: `sso: {<p>: <redirect url>}` and the provider list. */
  loginModes(): { sso: Record<string, string>; sso_providers: SsoProviderEntry[] } {
    const base = this.options.publicUrl ?? '';
    const entries = this.entries().map((e) => ({ ...e, url: `${base}${e.url}` }));
    return { sso: Object.fromEntries(entries.map((e) => [e.name, e.url])), sso_providers: entries };
  }

  /** After the callback verified everything: the user, then the gateway's normal session. */
  async completeSignIn(req: Request, res: Response, provider: SsoProvider, success: CallbackSuccess): Promise<string> {
    const { result } = success;
    await this.signInWith(req, res, provider.settings, provider.client.endpoints.issuer, result.claims, (family) =>
      this.sessions.record(family.id, {
        provider: provider.settings.name,
        idToken: result.idToken,
        subject: result.claims.sub,
        sid: result.sid,
        startedAt: family.startedAt,
      }),
    );
    return success.state.returnPath;
  }

  /**
   * The one sign-in path of every provider, env-configured or stored, OIDC or SAML: claims mapped by
   * the rules, the account rules and group sync, then the gateway's session as for a password login.
   */
  async signInWith(
    req: Request,
    res: Response,
    rules: SignInRules,
    issuer: string,
    claims: Record<string, unknown>,
    beforeAnswer?: (family: TokenFamily) => Promise<void>,
  ): Promise<void> {
    const { auth, answerLogin, audit, logger } = this.options;
    const outcome = await this.accounts.signIn(rules, issuer, readProfile(rules, claims), req.ip);
    const issued = auth.issue(outcome.user, { method: 'sso' });
    await beforeAnswer?.(familyOf(issued.claims));
    answerLogin(req, res, issued);
    const { user } = outcome;
    const method = `sso:${rules.name}`;
    audit.record({ type: 'sso_login', outcome: 'success', user: user.id, company: user.company, method, client_ip: req.ip });
    logger.info(
      { event: 'sso_login', provider: rules.name, user: user.id, created: outcome.created, groups: outcome.groups, session: issued.claims.session_id },
      'sso login succeeded',
    );
  }

  /**
   * A Warden logout of an SSO login: forgets the login and, when the provider's idp_logout is on,
   * answers a one-time path on this gateway that redirects to the provider's end-session endpoint
   * (the ID token rides only in that server-side redirect, never in anything a script can read).
   */
  async logout(claims: TokenClaims, req: Request): Promise<string | undefined> {
    const session = await this.sessions.take(familyOf(claims).id);
    const provider = session && this.providers.get(session.provider);
    if (!session || !provider?.settings.idp_logout) return undefined;
    const endpoint = provider.client.metadata.ready ? provider.client.endpoints.endSessionUrl : undefined;
    if (!endpoint) return undefined;
    const url = new URL(endpoint);
    url.searchParams.set('id_token_hint', session.idToken);
    url.searchParams.set('post_logout_redirect_uri', `${this.origin(req)}/login`);
    url.searchParams.set('client_id', provider.settings.clientId);
    const handle = randomToken();
    await this.options.redis.set(`${this.prefix}:logout:${handle}`, url.toString(), { EX: LOGOUT_HANDLE_TTL_SEC });
    return `/logout_sso/${handle}`;
  }

  async takeLogoutRedirect(handle: string): Promise<string | undefined> {
    if (!/^[\w-]{43}$/.test(handle)) return undefined;
    return (await this.options.redis.getDel(`${this.prefix}:logout:${handle}`)) ?? undefined;
  }

  /** A verified back-channel logout token: every Warden login of that provider session (or subject) ends. */
  async backchannelLogout(provider: SsoProvider, logoutToken: unknown, clientIp?: string): Promise<number> {
    const claims = await provider.client.verifyLogoutToken(logoutToken);
    const fresh = await this.options.redis.set(`${this.prefix}:logout-jti:${provider.settings.name}:${String(claims['jti'])}`, '1', { NX: true, EX: 600 });
    if (fresh === null) throw new WardenError('ERR_SSO_LOGOUT_TOKEN', 'this logout token was already used');
    const sid = typeof claims['sid'] === 'string' ? claims['sid'] : undefined;
    const families = await this.sessions.familiesOf(provider.settings.name, sid, claims.sub);
    for (const family of families) {
      await this.options.auth.sessions.endFamilyById(family);
      await this.sessions.take(family.id);
    }
    this.options.audit.record({ type: 'sso_logout', outcome: 'success', method: `sso:${provider.settings.name}`, client_ip: clientIp });
    this.options.logger.info({ event: 'sso_logout', provider: provider.settings.name, sessions: families.length }, 'back-channel logout ended sessions');
    return families.length;
  }
}
