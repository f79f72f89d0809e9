import { setTimeout } from 'node:timers/promises';
import type { Logger } from 'pino';
import { WardenError } from '@warden/errors';
import type { AuditTrail, FixedUsers, IdentityStore, LoginRateLimiter, UserRecord } from '@warden/identity';
import { familyOf, type AuthMethod, type Identity, type RevocationList, type TokenClaims, type TokenFamily } from '@warden/tokens';
import type { TokenIssuer } from '@warden/token-issuer';
import type { ClearmlAuthSettings, GatewayAuthSettings } from './auth-settings';
import { SessionRevoker } from './session-revoker';

export interface AuthServiceDeps {
  store: IdentityStore;
  audit: AuditTrail;
  limiter: LoginRateLimiter;
  fixedUsers: FixedUsers;
  issuer: TokenIssuer;
  revocations: RevocationList;
  clearml: ClearmlAuthSettings;
  gateway: GatewayAuthSettings;
  /** The company fixed and free-access users belong to. */
  defaultCompany: { id: string; name: string };
  logger: Logger;
}

export interface LoginAttempt {
  id: string;
  secret: string;
  clientIp: string;
  expirationSec?: number;
}

export interface IssuedLogin {
  token: string;
  claims: TokenClaims;
  expiresInSec: number;
}

// A token that may only change the password has no reason to live long.
export const PASSWORD_CHANGE_TOKEN_SEC = 15 * 60;

export function identityOf(user: UserRecord): Identity {
  return { user: user.id, company: user.company, role: user.role, user_name: user.name, company_name: user.company_name };
}

/** Logins and token issuing: the only place a token is minted. */
export class AuthService {
  /** Logout, key revocation, disable and "sign out everywhere" end tokens through this. */
  readonly sessions: SessionRevoker;

  constructor(readonly deps: AuthServiceDeps) {
    this.sessions = new SessionRevoker(deps.revocations, {
      maxExpirationSec: deps.clearml.max_expiration_sec,
      maxSessionLifetimeSec: deps.gateway.tokens.max_session_lifetime_sec,
    });
  }

  /**
   * Basic credentials are an API key pair when the id is a known access key, a web login otherwise.
   * Every outcome is rate limited (per client, and per account only for what is not an access key),
   * audited and logged without the secret.
   */
  async login(attempt: LoginAttempt): Promise<IssuedLogin> {
    const { limiter, audit, logger, store } = this.deps;
    const subject = { isKey: await store.isAccessKey(attempt.id) };
    const admission = await limiter.admit(attempt.id, attempt.clientIp, subject).catch((error: unknown) => {
      if (error instanceof WardenError && error.code === 'ERR_RATE_LIMITED') this.auditFailure('login.locked', attempt, error.code);
      throw error;
    });
    // The account is past its ceiling of failures from everywhere: slowed, right or wrong, never locked.
    if (admission.delayMs > 0) await setTimeout(admission.delayMs);
    try {
      const { user, method, accessKey } = await this.authenticate(attempt);
      await limiter.recordSuccess(attempt.id, attempt.clientIp, subject, admission);
      const issued = this.issue(user, { method, access_key: accessKey }, attempt.expirationSec);
      audit.record({ type: 'login', outcome: 'success', user: user.id, company: user.company, access_key: accessKey, method, client_ip: attempt.clientIp });
      logger.info({ event: 'login', user: user.id, method, access_key: accessKey, session: issued.claims.session_id }, 'login succeeded');
      return issued;
    } catch (error) {
      if (!(error instanceof WardenError)) throw error;
      await limiter.recordFailure(attempt.id, attempt.clientIp, subject);
      this.auditFailure('login', attempt, error.code);
      logger.warn({ event: 'login', outcome: 'failure', code: error.code, client_ip: attempt.clientIp }, 'login refused');
      throw error;
    }
  }

  /**
   * A refused login, attributed to the company of the account it named (when one exists) so that
   * company's admins see it. Written after the answer is decided and never awaited: the look-up
   * costs the caller no time, whether the account exists or not.
   */
  private auditFailure(type: 'login' | 'login.locked', attempt: LoginAttempt, reason: string): void {
    const { audit, store, logger } = this.deps;
    const event = { type, outcome: 'failure', username: attempt.id, client_ip: attempt.clientIp, reason } as const;
    void store
      .companyOfLogin(attempt.id)
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'audit: could not attribute a refused login');
        return undefined;
      })
      .then((company) => audit.record(company ? { ...event, company } : event));
  }

  /**
   * A new token of the same family for an already verified caller (the SDK renews its token this
   * way): logout still ends it, and it expires no later than the family's maximum lifetime.
   */
  renew(claims: TokenClaims, expirationSec?: number): IssuedLogin {
    return this.issueFor(claims.identity, claims.auth, expirationSec, familyOf(claims));
  }

  /** A password login of a user whose password an admin reset yields a token only good for changing it. */
  issue(user: UserRecord, auth: { method: AuthMethod; access_key?: string }, expirationSec?: number): IssuedLogin {
    if (user.must_change_password && auth.method === 'password') {
      return this.issueFor(
        identityOf(user),
        { ...auth, password_change_required: true },
        Math.min(expirationSec ?? PASSWORD_CHANGE_TOKEN_SEC, PASSWORD_CHANGE_TOKEN_SEC),
      );
    }
    return this.issueFor(identityOf(user), auth, expirationSec);
  }

  private issueFor(identity: Identity, auth: TokenClaims['auth'], expirationSec?: number, family?: TokenFamily): IssuedLogin {
    const { clearml, gateway, issuer } = this.deps;
    const maxSession = gateway.tokens.max_session_lifetime_sec;
    const sessionLeftSec = family ? family.startedAt + maxSession - Math.floor(Date.now() / 1000) : maxSession;
    if (sessionLeftSec < 1) throw new WardenError('ERR_JWT_EXPIRED', 'this login has reached its maximum lifetime: log in again');
    const expiresInSec = Math.min(expirationSec ?? clearml.default_expiration_sec, clearml.max_expiration_sec, sessionLeftSec);
    const audience = [gateway.tokens.api_audience, gateway.tokens.files_audience];
    const { token, claims } = issuer.issue({ identity, audience, expiresInSec, auth, family });
    return { token, claims, expiresInSec };
  }

  private async authenticate(attempt: LoginAttempt): Promise<{ user: UserRecord; method: AuthMethod; accessKey?: string }> {
    const { store, fixedUsers, gateway, clearml, defaultCompany } = this.deps;
    if (gateway.login.free_access) return { user: await this.freeAccessUser(attempt.id), method: 'password' };
    const asKey = await store.authenticateCredentials(attempt.id, attempt.secret, { clientIp: attempt.clientIp }).catch((error: unknown) => {
      // An unknown access key may still be a username; anything else (revoked, disabled) is final.
      if (error instanceof WardenError && error.code === 'ERR_INVALID_CREDENTIALS') return undefined;
      throw error;
    });
    if (asKey) return { user: asKey.user, method: 'credentials', accessKey: asKey.credential.access_key };
    if (clearml.fixed_users.enabled) {
      const fixed = await fixedUsers.authenticate(attempt.id, attempt.secret);
      if (fixed) {
        const user = await store.ensureUser({
          company: defaultCompany.id,
          username: fixed.username,
          name: fixed.name,
          role: fixed.admin ? 'admin' : 'user',
          source: 'fixed',
        });
        if (!user.enabled) throw new WardenError('ERR_USER_DISABLED');
        return { user, method: 'fixed_user' };
      }
    }
    if (gateway.login.local_users) return { user: await store.authenticatePassword(attempt.id, attempt.secret), method: 'password' };
    throw new WardenError('ERR_INVALID_CREDENTIALS');
  }

  private async freeAccessUser(username: string): Promise<UserRecord> {
    const { store, defaultCompany } = this.deps;
    const user = await store.ensureUser({ company: defaultCompany.id, username, name: username, role: 'user', source: 'local' });
    if (!user.enabled) throw new WardenError('ERR_USER_DISABLED');
    return user;
  }
}
