import { verificationKeyFromJwk, type VerificationKey } from './jwk';

export interface KeySource {
  get(kid: string): Promise<VerificationKey | undefined>;
}

/** Reads a JWKS document, skipping entries that are not usable signing keys rather than failing the whole set. */
export function keysFromJwks(jwks: unknown): Map<string, VerificationKey> {
  const list = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new Error('JWKS has no keys array');
  const keys = new Map<string, VerificationKey>();
  for (const jwk of list) {
    try {
      const key = verificationKeyFromJwk(jwk);
      keys.set(key.kid, key);
    } catch {
      // One odd key (another service's, a future algorithm) must not take down verification with the others.
    }
  }
  return keys;
}
