import type { TokenClaims } from '../claims';
import type { RevocationChecker } from '../token-verifier';

/** An in-memory RevocationChecker for tests that do not need Redis. */
export class FakeRevocations implements RevocationChecker {
  readonly sessions = new Set<string>();
  readonly credentials = new Set<string>();
  /** user id → revokedAt (epoch seconds) */
  readonly users = new Map<string, number>();

  isRevoked(claims: TokenClaims): boolean {
    const revokedAt = this.users.get(claims.identity.user);
    return (
      this.sessions.has(claims.session_id) ||
      (claims.auth.access_key !== undefined && this.credentials.has(claims.auth.access_key)) ||
      (revokedAt !== undefined && claims.iat <= revokedAt)
    );
  }
}
