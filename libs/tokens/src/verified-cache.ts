import type { TokenClaims } from './claims';

interface Entry {
  claims: TokenClaims;
  expiresAtMs: number;
}

/** Verified claims by token hash, oldest evicted first; an entry is never served at or after its token's exp. */
export class VerifiedCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxSize: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, nowMs: number): TokenClaims | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (nowMs < entry.expiresAtMs) return entry.claims;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, claims: TokenClaims, nowMs: number): void {
    const expiresAtMs = claims.exp * 1000;
    // Accepted within the leeway but already past exp: serving it from cache would break the rule above.
    if (this.maxSize <= 0 || expiresAtMs <= nowMs) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxSize) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { claims, expiresAtMs });
  }
}
