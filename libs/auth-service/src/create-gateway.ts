import { Router, type Request } from 'express';
import type { Connection } from 'mongoose';
import type { RedisClientType } from 'redis';
import type { Logger } from 'pino';
import { WardenError } from '@warden/errors';
import {
  CLEARML_API_VERSION,
  CLEARML_FEATURE_SET,
  CLEARML_SERVER_VERSION,
  ClearmlApi,
  corsPolicy,
  trustForwardedClient,
  type ReadinessCheck,
} from '@warden/http';
import {
  AuditTrail,
  CompanyAdmin,
  FailureLimiter,
  FixedUsers,
  IdentityStore,
  LoginRateLimiter,
  MongoRevocationRecord,
  TenantFounder,
  type SystemCredentialName,
} from '@warden/identity';
import { SecretSealer } from '@warden/secrets';
import { KeyRing, RingKeySource, TokenIssuer } from '@warden/token-issuer';
import { REVOCATION_MARGIN_SEC, RevocationList, TokenVerifier, assertTenantMember, type TokenClaims } from '@warden/tokens';
import { registerAuthEndpoints } from './auth-endpoints';
import { AuthService } from './auth-service';
import { loginLimits, webLoginEnabled, type ClearmlAuthSettings, type GatewayAuthSettings } from './auth-settings';
import { gatewayAuthenticator, type GatewayCaller } from './gateway-authenticator';
import { MongoSigningKeyStore } from './mongo-signing-key-store';
import { CredentialActions } from './credential-actions';
import { loginAnswer, type LoginAnswer } from './login-answer';
import { operatorRoutes } from './operator-endpoints';
import { registerPasswordEndpoints } from './password-endpoints';
import { registerSessionEndpoints } from './session-endpoints';
import { UsernameConflicts } from './username-conflicts';

export interface GatewaySecrets {
  /** Keys the API-secret hashes and encrypts the stored signing keys. */
  tokenSecret: string;
  /** Keys CSRF tokens. */
  sessionSecret: string;
  signingKeyPem?: string;
  systemCredentials: { name: SystemCredentialName; accessKey: string; secretKey: string }[];
  /** Opens POST /operator/tenants; the endpoint is off while unset. */
  operatorSecret?: string;
}

export interface GatewayOptions {
  clearml: ClearmlAuthSettings;
  gateway: GatewayAuthSettings;
  secrets: GatewaySecrets;
  mongo: Connection;
  redis: RedisClientType;
  logger: Logger;
  /**
   * Routes of the gateway's web origin (the console, SSO), mounted after the ClearML endpoints with
   * the same client-address and CORS handling; built from the gateway's own parts.
   */
  webRoutes?: (parts: GatewayParts) => Router;
  /** Namespaces the gateway's counters in Redis (login limits, username conflicts); in-process tests use their own. */
  rateLimitPrefix?: string;
  /** Features mounted on the gateway with its parts, before the ClearML endpoints (single sign-on). */
  extensions?: ((parts: GatewayParts) => GatewayExtension)[];
}

/** A feature mounted on the gateway: its routes, what it adds to login.supported_modes and to logout. */
export interface GatewayExtension {
  routes: Router;
  /** Runs with the gateway's set-up (after MongoDB is reachable), retried with it. */
  setUp?(): Promise<void>;
  loginModes?(): { sso: Record<string, string>; sso_providers: object[] };
  /** Registers the feature's ClearML endpoints (`service.action`) beside the gateway's own. */
  endpoints?(api: ClearmlApi<GatewayCaller>): void;
  /** Called by every logout after the session ended; a path to send the browser to next (an IdP logout). */
  logout?(claims: TokenClaims, req: Request): Promise<string | undefined>;
  close(): Promise<void>;
}

/** What the gateway's web pages (libs/console, SSO) reuse in-process: one path for every login. */
export interface GatewayParts {
  service: AuthService;
  credentials: CredentialActions;
  /** Company administration (users, groups, invitations, audit), every call scoped to the actor's company. */
  admin: CompanyAdmin;
  /** Verifies a token as the gateway's endpoints do: signature, expiry and revocation (no database). */
  verify(token: string): Promise<TokenClaims>;
  /** Throws ERR_SERVICE_UNAVAILABLE while set-up (MongoDB, signing keys) has not finished. */
  assertReady(): void;
  /** Sets the auth and CSRF cookies of a login, as auth.login does. */
  answerLogin: LoginAnswer;
  /** Keys CSRF tokens (secure.http.session_secret.apiserver). */
  sessionSecret: string;
  /** Seals secrets a feature stores in MongoDB, under a key of its purpose derived from the token secret. */
  sealer(purpose: string): SecretSealer;
  mongo: Connection;
  redis: RedisClientType;
  /** The gateway's Redis namespace in tests (features prefix their own keys with it). */
  rateLimitPrefix?: string;
}

export interface Gateway {
  routes: Router;
  parts: GatewayParts;
  /** What features add to login.supported_modes: `sso` by provider and the login page's `sso_providers`. */
  loginModes(): { sso: Record<string, string>; sso_providers: object[] };
  /** Asked after a logout ended the session: where the browser goes next (an SSO login's IdP logout). */
  logoutRedirect(claims: TokenClaims, req: Request): Promise<string | undefined>;
  readiness: ReadinessCheck[];
  /** The ClearML endpoints the gateway answers (`auth.*`, `login.*`, `users.*`). */
  endpoints: string[];
  /** Company administration (users, groups, invitations, audit) for the console's admin pages and SSO group sync. */
  admin: CompanyAdmin;
  close(): Promise<void>;
}

// ClearML's default company, so data moved from a ClearML server keeps its owner.
export const DEFAULT_COMPANY = { id: 'd1bd92a3b039400cbafc60a7a5b1e52b', name: 'clearml' };
const SETUP_RETRY_MS = 2000;
// The fileserver only verifies tokens: credentials stored for it by earlier versions are revoked.
const RETIRED_SYSTEM_CREDENTIALS: readonly SystemCredentialName[] = ['fileserver'];
// A 50+ character random secret cannot be guessed; this only keeps a prober's noise down.
const OPERATOR_FAILURES = { points: 10, durationSec: 15 * 60 };
const KEY_RELOAD_MS = 5 * 60_000;
const KEY_REFRESH_MIN_MS = 1000;
const INVITATION_FAILURES = { points: 20, durationSec: 15 * 60 };

/**
 * Assembles the gateway: identity store, audit, rate limits, signing keys, revocations and the
 * ClearML auth endpoints. Set-up that needs MongoDB retries in the background, so the process
 * starts (and reports not ready) while a backend is down.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { clearml, gateway, secrets, mongo, redis, logger } = options;
  const store = new IdentityStore({ connection: mongo, credentialPepper: secrets.tokenSecret, passwordPolicy: gateway.login.password_policy });
  const audit = new AuditTrail({ connection: mongo, onError: (error) => logger.warn({ err: error }, 'audit trail write failed') });
  const limiter = new LoginRateLimiter({
    redis,
    keyPrefix: options.rateLimitPrefix ?? gateway.login.limits.key_prefix,
    limits: loginLimits(gateway.login.limits),
  });
  // MongoDB is the record; this list writes it first, and republishes it whenever Redis has lost it.
  const revocations = new RevocationList({
    redis,
    record: new MongoRevocationRecord({ connection: mongo, horizonSec: clearml.max_expiration_sec + REVOCATION_MARGIN_SEC }),
    maxStalenessMs: gateway.tokens.revocation_max_staleness_sec * 1000,
    // Another replica revoked a key or a user's logins: this replica's credential cache must not log them in.
    onChange: ({ kind, id }) => kind !== 'family' && store.forgetCached(kind, id),
    onError: (error) => logger.warn({ err: error }, 'revocation list'),
  });
  const keyRing = new KeyRing({
    store: new MongoSigningKeyStore(mongo, secrets.tokenSecret),
    algorithm: gateway.tokens.algorithm,
    rotationDays: gateway.tokens.rotation_days,
    maxTokenLifetimeSec: clearml.max_expiration_sec,
    configuredKeyPem: secrets.signingKeyPem,
  });
  const issuer = new TokenIssuer({
    keyRing,
    issuer: gateway.tokens.issuer,
    apiVersion: CLEARML_API_VERSION,
    serverVersion: CLEARML_SERVER_VERSION,
    featureSet: CLEARML_FEATURE_SET,
  });
  const service = new AuthService({
    store,
    audit,
    limiter,
    fixedUsers: new FixedUsers(clearml.fixed_users),
    issuer,
    revocations,
    clearml,
    gateway,
    defaultCompany: DEFAULT_COMPANY,
    logger,
  });

  const usernameConflicts = new UsernameConflicts({ redis, audit, keyPrefix: options.rateLimitPrefix });
  const admin = new CompanyAdmin({
    connection: mongo,
    store,
    audit,
    sessions: service.sessions,
    invitationTtlSec: gateway.invitations.ttl_sec,
    usernameGuard: (actor, username, create) => usernameConflicts.guard(actor, { username, clientIp: actor.clientIp }, create),
    // A link's 256-bit token cannot be guessed; this keeps a prober's noise down, as for the operator endpoint.
    invitationFailures: new FailureLimiter({
      redis,
      keyPrefix: `${options.rateLimitPrefix ?? 'warden'}:invitations`,
      ...INVITATION_FAILURES,
      refusal: 'too many invalid invitation links from this address: wait before trying again',
    }),
  });

  let verifier: TokenVerifier | undefined;
  // A token signed with another replica's new key re-reads the store, so a rotation holds on every replica at once.
  const ringKeys = new RingKeySource(keyRing, {
    minReloadMs: KEY_REFRESH_MIN_MS,
    onError: (error) => logger.warn({ err: error }, 'signing key refresh failed'),
  });
  // Replicas also pick up each other's rotations on reload, so it runs far more often than keys retire.
  const loadKeys = async () => {
    await keyRing.load();
    verifier ??= new TokenVerifier({
      keys: ringKeys,
      issuer: gateway.tokens.issuer,
      audience: gateway.tokens.api_audience,
      leewaySec: gateway.tokens.leeway_sec,
      revocations,
    });
  };
  const reload = setInterval(() => {
    if (!setupError) loadKeys().catch((error: unknown) => logger.warn({ err: error }, 'signing key reload failed'));
  }, KEY_RELOAD_MS).unref();
  let setupError: string | undefined = 'not set up yet';
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const setUp = async () => {
    await mongo.asPromise();
    await store.ensureIndexes();
    await admin.ensureIndexes();
    await store.ensureCompany(DEFAULT_COMPANY);
    await loadKeys();
    const revoke = [...RETIRED_SYSTEM_CREDENTIALS, ...(webLoginEnabled(clearml, gateway) ? ['webserver', 'tests'] : [])];
    const credentials = secrets.systemCredentials.filter((c) => !RETIRED_SYSTEM_CREDENTIALS.includes(c.name));
    const bootstrap = await store.bootstrapSystemCredentials({ companyId: DEFAULT_COMPANY.id, companyName: DEFAULT_COMPANY.name, credentials, revoke });
    if (clearml.fixed_users.enabled) await new FixedUsers(clearml.fixed_users).sync(store, DEFAULT_COMPANY);
    await revocations.start();
    for (const extension of extensions) await extension.setUp?.();
    logger.info({ active: bootstrap.active, revoked: bootstrap.revoked, kid: keyRing.active().kid }, 'gateway set up: system credentials and signing keys');
    setupError = undefined;
  };
  const attempt = () => {
    setUp().catch((error: unknown) => {
      setupError = error instanceof Error ? error.message : String(error);
      logger.warn({ err: error }, 'gateway set-up failed; retrying');
      if (!closed) retry = setTimeout(attempt, SETUP_RETRY_MS);
    });
  };
  attempt();

  const assertReady = () => {
    if (setupError) throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'the gateway is still setting up');
  };
  const verify = (token: string) => {
    if (!verifier) throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'the gateway is still setting up');
    return verifier.verify(token);
  };
  const authenticate = gatewayAuthenticator({
    verifier: { verify },
    cookieNames: [clearml.session_auth_cookie_name],
    csrfKey: secrets.sessionSecret,
  });
  const api = new ClearmlApi<GatewayCaller>({
    authenticate: async (req, mode) => {
      if (setupError) throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'the gateway is still setting up');
      const caller = await authenticate(req, mode);
      // A service identity may log in (and renew), but no endpoint acting for a caller serves it.
      if (mode === 'token' && caller.token) assertTenantMember(caller.token.claims.identity);
      return caller;
    },
  });
  const answerLogin = loginAnswer(clearml, secrets.sessionSecret);
  const parts: GatewayParts = {
    service,
    credentials: new CredentialActions(service),
    verify,
    assertReady,
    admin,
    answerLogin,
    sessionSecret: secrets.sessionSecret,
    sealer: (purpose) => new SecretSealer(secrets.tokenSecret, purpose),
    mongo,
    redis,
    rateLimitPrefix: options.rateLimitPrefix,
  };
  const extensions = (options.extensions ?? []).map((extend) => extend(parts));
  const loginModes = () => {
    const modes = extensions.flatMap((e) => (e.loginModes ? [e.loginModes()] : []));
    return { sso: Object.assign({}, ...modes.map((m) => m.sso)) as Record<string, string>, sso_providers: modes.flatMap((m) => m.sso_providers) };
  };
  const logoutRedirect = async (claims: TokenClaims, req: Request) => {
    for (const extension of extensions) {
      const next = await extension.logout?.(claims, req);
      if (next) return next;
    }
    return undefined;
  };
  registerAuthEndpoints(api, { service, sessionSecret: secrets.sessionSecret, usernameConflicts, admin, logoutRedirect });
  registerPasswordEndpoints(api, { service, answerLogin });
  registerSessionEndpoints(api, service, loginModes);
  for (const extension of extensions) extension.endpoints?.(api);

  const routes = Router();
  // The apiserver vouches for its callers' addresses with its service secret; nobody else can.
  routes.use(trustForwardedClient(secrets.systemCredentials.find((c) => c.name === 'apiserver')?.secretKey));
  routes.use(corsPolicy(gateway.cors.allowed_origins));
  routes.get('/.well-known/jwks.json', (_req, res, next) => {
    if (setupError) return next(new WardenError('ERR_SERVICE_UNAVAILABLE', 'signing keys are not loaded yet'));
    // Fresh from the store (at most once per KEY_REFRESH_MIN_MS): a verifier that fetches the keys for a
    // new kid must get it from whichever replica answers. A failed re-read serves the keys already known.
    void keyRing
      .refresh(KEY_REFRESH_MIN_MS)
      .catch((error: unknown) => logger.warn({ err: error }, 'signing key refresh failed'))
      .then(() => res.set('Cache-Control', 'public, max-age=300').json(keyRing.jwks()));
  });
  routes.use(
    operatorRoutes({
      operatorSecret: secrets.operatorSecret,
      founder: new TenantFounder(store, mongo),
      audit,
      limiter: new FailureLimiter({
        redis,
        keyPrefix: options.rateLimitPrefix ? `${options.rateLimitPrefix}:operator` : 'warden:operator',
        ...OPERATOR_FAILURES,
      }),
      logger,
      assertReady,
    }),
  );
  for (const extension of extensions) routes.use(extension.routes);
  routes.use(api.router);
  if (options.webRoutes) routes.use(options.webRoutes(parts));

  return {
    routes,
    parts,
    loginModes,
    logoutRedirect,
    endpoints: api.endpointNames(),
    admin,
    readiness: [
      {
        name: 'identity',
        check: async () => {
          if (setupError) throw new Error(setupError);
        },
      },
    ],
    close: async () => {
      closed = true;
      clearTimeout(retry);
      clearInterval(reload);
      await revocations.stop();
      for (const extension of extensions) await extension.close();
      await Promise.all([audit.close(), store.close()]);
    },
  };
}
