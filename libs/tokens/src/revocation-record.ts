export type RevocationKind = 'family' | 'credential' | 'user';
export const REVOCATION_KINDS: readonly RevocationKind[] = ['family', 'credential', 'user'];

/**
 * Above the largest leeway a verifier may be configured with: a revocation must outlast the last
 * moment any verifier still accepts a token it covers (exp + leeway).
 */
export const REVOCATION_MARGIN_SEC = 300;

/**
 * One revocation. `value` is, for a family, the time until which it is revoked; for a credential or
 * a user, the time at or before which a login's tokens are refused (so later logins are unaffected).
 * `until` (epoch seconds) is when it can be forgotten: every token it covers has expired by then.
 */
export interface Revocation {
  kind: RevocationKind;
  id: string;
  value: number;
  until: number;
}

/**
 * The durable record of revocations (MongoDB on the gateway). Redis only carries a copy that is
 * rebuilt from here whenever Redis has lost it.
 */
export interface RevocationRecord {
  save(revocation: Revocation): Promise<void>;
  /** Every revocation whose `until` is still ahead of nowSec. */
  live(nowSec: number): Promise<Revocation[]>;
}
