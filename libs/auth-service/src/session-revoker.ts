import { REVOCATION_MARGIN_SEC, familyOf, type RevocationList, type TokenClaims, type TokenFamily } from '@warden/tokens';

export interface SessionLimits {
  /** apiserver.auth.max_expiration_sec: no token lives longer. */
  maxExpirationSec: number;
  /** auth_gateway.tokens.max_session_lifetime_sec: no family lives longer. */
  maxSessionLifetimeSec: number;
}

const nowSec = (): number => Math.floor(Date.now() / 1000);

/**
 * Ends tokens on the gateway: each call is recorded in MongoDB first, then reaches every verifier
 * through Redis. Each revocation is kept until the last token it covers has expired (plus leeway).
 */
export class SessionRevoker {
  constructor(
    private readonly revocations: RevocationList,
    private readonly limits: SessionLimits,
  ) {}

  /** Logout: every token of the caller's login, renewals included. */
  endFamily(claims: TokenClaims): Promise<void> {
    const family = familyOf(claims);
    const lastExpiry = Math.min(family.startedAt + this.limits.maxSessionLifetimeSec, nowSec() + this.limits.maxExpirationSec);
    return this.revocations.revokeFamily(family.id, Math.max(lastExpiry, claims.exp) + REVOCATION_MARGIN_SEC);
  }

  /** Every token of a login known only by its family (an identity provider's back-channel logout). */
  endFamilyById(family: TokenFamily): Promise<void> {
    const lastExpiry = Math.min(family.startedAt + this.limits.maxSessionLifetimeSec, nowSec() + this.limits.maxExpirationSec);
    return this.revocations.revokeFamily(family.id, lastExpiry + REVOCATION_MARGIN_SEC);
  }

  /** Every token of the user's logins up to now, for good: disable, password change, "sign out everywhere". */
  endUserTokens(userId: string): Promise<void> {
    return this.revocations.revokeUser(userId, this.horizon());
  }

  /** Every token of the logins made with this API key. */
  revokeCredentialTokens(accessKey: string): Promise<void> {
    return this.revocations.revokeCredential(accessKey, this.horizon());
  }

  private horizon(): number {
    return nowSec() + this.limits.maxExpirationSec + REVOCATION_MARGIN_SEC;
  }
}
