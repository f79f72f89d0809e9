import { createHash } from 'node:crypto';
import { WardenError } from '@warden/errors';
import { TOKEN_ALGORITHMS, type TokenAlgorithm, type TokenClaims } from './claims';
import { hasRequiredClaims } from './claims-shape';
import { parseJws, signatureValid } from './jws';
import type { KeySource } from './key-source';
import { VerifiedCache } from './verified-cache';

export interface RevocationChecker {
  isRevoked(claims: TokenClaims): boolean;
}

export interface VerifierOptions {
  keys: KeySource;
  issuer: string;
  audience: string;
  algorithms?: TokenAlgorithm[];
  leewaySec?: number;
  revocations?: RevocationChecker;
  cacheSize?: number;
  now?: () => number;
}

// Far above any token Warden issues; hashing and parsing megabytes per request is a cheap DoS.
const MAX_TOKEN_LENGTH = 16_384;

function deepFreeze(claims: TokenClaims): TokenClaims {
  Object.freeze(claims.identity);
  Object.freeze(claims.auth);
  if (Array.isArray(claims.aud)) Object.freeze(claims.aud);
  return Object.freeze(claims);
}

/**
 * Checks a bearer token in a fixed order, each failure with its own code. Errors carry only the code's
 * fixed message: nothing from the token, which is a credential, ever goes into them.
 */
export class TokenVerifier {
  private readonly keys: KeySource;
  private readonly issuer: string;
  private readonly audience: string;
  private readonly algorithms: readonly TokenAlgorithm[];
  private readonly leewaySec: number;
  private readonly revocations?: RevocationChecker;
  private readonly cache: VerifiedCache;
  private readonly now: () => number;

  constructor(options: VerifierOptions) {
    this.keys = options.keys;
    this.issuer = options.issuer;
    this.audience = options.audience;
    // Pinned to asymmetric algorithms: 'none' and HS* (an HMAC keyed with our public key) never reach a key.
    this.algorithms = (options.algorithms ?? TOKEN_ALGORITHMS).filter((alg) => TOKEN_ALGORITHMS.includes(alg));
    this.leewaySec = options.leewaySec ?? 30;
    this.revocations = options.revocations;
    this.cache = new VerifiedCache(options.cacheSize ?? 10_000);
    this.now = options.now ?? Date.now;
  }

  async verify(token: string): Promise<TokenClaims> {
    const nowMs = this.now();
    const cacheKey = createHash('sha256').update(token).digest('base64');
    const claims = this.cache.get(cacheKey, nowMs) ?? (await this.verifyUncached(token, nowMs, cacheKey));
    if (this.revocations?.isRevoked(claims)) throw new WardenError('ERR_JWT_REVOKED');
    return claims;
  }

  private async verifyUncached(token: string, nowMs: number, cacheKey: string): Promise<TokenClaims> {
    const jws = token.length <= MAX_TOKEN_LENGTH ? parseJws(token) : undefined;
    if (!jws) throw new WardenError('ERR_JWT_MALFORMED');
    const { header, payload } = jws;

    const alg = header.alg as TokenAlgorithm;
    if (!this.algorithms.includes(alg)) throw new WardenError('ERR_JWT_ALG_NOT_ALLOWED');
    if (typeof header.kid !== 'string' || header.kid === '') throw new WardenError('ERR_JWKS_NO_MATCHING_KEY');
    const key = await this.keys.get(header.kid);
    if (!key) throw new WardenError('ERR_JWKS_NO_MATCHING_KEY');
    if (key.alg !== alg) throw new WardenError('ERR_JWT_ALG_NOT_ALLOWED');
    if (!signatureValid(alg, key.key, jws.signingInput, jws.signature)) throw new WardenError('ERR_JWS_SIGNATURE_INVALID');

    const nowSec = nowMs / 1000;
    if (typeof payload.exp === 'number' && payload.exp <= nowSec - this.leewaySec) throw new WardenError('ERR_JWT_EXPIRED');
    for (const claim of ['nbf', 'iat'] as const) {
      const value = payload[claim];
      if (typeof value === 'number' && value > nowSec + this.leewaySec) throw new WardenError('ERR_JWT_NOT_YET_VALID');
    }
    if (payload.iss !== this.issuer) throw new WardenError('ERR_JWT_ISSUER_INVALID');
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.includes(this.audience)) throw new WardenError('ERR_JWT_AUDIENCE_INVALID');
    if (!hasRequiredClaims(payload)) throw new WardenError('ERR_JWT_CLAIM_INVALID');

    const claims = deepFreeze(payload);
    this.cache.set(cacheKey, claims, nowMs);
    return claims;
  }
}
