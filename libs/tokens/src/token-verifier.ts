import { createHash } from 'node:crypto';
import { WardenError, type ErrorCode } from '@warden/errors';
import * as jwt from './jwt-verify';
import { TOKEN_ALGORITHMS, type TokenAlgorithm, type TokenClaims } from './claims';
import { hasRequiredClaims } from './claims-shape';
import { TOKEN_TYPE, payloadIsObject, signatureEncodingValid, unverifiedHeader } from './jws';
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
 * jsonwebtoken's refusals as our codes. Its messages are the only way it tells some apart; the
 * version is pinned and the token table covers each. Whatever else it refuses (a signature that
 * does not match or cannot be decoded) fails closed as a bad signature.
 */
function libraryErrorCode(error: unknown): ErrorCode {
  if (error instanceof jwt.TokenExpiredError) return 'ERR_JWT_EXPIRED';
  if (error instanceof jwt.NotBeforeError) return 'ERR_JWT_NOT_YET_VALID';
  const message = error instanceof jwt.JsonWebTokenError ? error.message : '';
  if (message.startsWith('jwt issuer invalid')) return 'ERR_JWT_ISSUER_INVALID';
  if (message.startsWith('jwt audience invalid')) return 'ERR_JWT_AUDIENCE_INVALID';
  if (message === 'invalid exp value' || message === 'invalid nbf value') return 'ERR_JWT_CLAIM_INVALID';
  return 'ERR_JWS_SIGNATURE_INVALID';
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

  /**
   * Our header checks first (shape, alg, typ, crit, kid, key, signature encoding), then jsonwebtoken
   * checks the signature, nbf, exp, audience and issuer (a payload that is not a JSON object is
   * reported as malformed whatever it says), then ours again: iat and the claims' shape.
   */
  private async verifyUncached(token: string, nowMs: number, cacheKey: string): Promise<TokenClaims> {
    const header = token.length <= MAX_TOKEN_LENGTH ? unverifiedHeader(token) : undefined;
    if (!header) throw new WardenError('ERR_JWT_MALFORMED');

    const alg = header.alg as TokenAlgorithm;
    if (!this.algorithms.includes(alg)) throw new WardenError('ERR_JWT_ALG_NOT_ALLOWED');
    if (header.typ !== TOKEN_TYPE) throw new WardenError('ERR_JWT_TYPE_INVALID');
    // We implement no header extension, so any critical one means the token cannot be understood (RFC 7515 §4.1.11).
    if (header.crit !== undefined) throw new WardenError('ERR_JWS_CRIT_UNSUPPORTED');
    if (typeof header.kid !== 'string' || header.kid === '') throw new WardenError('ERR_JWKS_NO_MATCHING_KEY');
    const key = await this.keys.get(header.kid);
    if (!key) throw new WardenError('ERR_JWKS_NO_MATCHING_KEY');
    if (key.alg !== alg) throw new WardenError('ERR_JWT_ALG_NOT_ALLOWED');
    if (!signatureEncodingValid(alg, token)) throw new WardenError('ERR_JWS_SIGNATURE_INVALID');

    const nowSec = nowMs / 1000;
    let payload: unknown;
    try {
      // A KeyObject, so the library parses no key per call; one algorithm, the key's own.
      payload = jwt.verify(token, key.key, {
        algorithms: [alg],
        issuer: this.issuer,
        audience: this.audience,
        clockTolerance: this.leewaySec,
        clockTimestamp: nowSec,
      });
    } catch (error) {
      // Decoding the payload only here keeps it to once per token on the common path.
      throw new WardenError(payloadIsObject(token) ? libraryErrorCode(error) : 'ERR_JWT_MALFORMED');
    }
    if (typeof payload !== 'object' || payload === null) throw new WardenError('ERR_JWT_MALFORMED');
    const claims = payload as Record<string, unknown>;
    // The library does not look at iat; one from the future means a wrong clock or a forged token.
    if (typeof claims.iat === 'number' && claims.iat > nowSec + this.leewaySec) throw new WardenError('ERR_JWT_NOT_YET_VALID');
    if (!hasRequiredClaims(claims)) throw new WardenError('ERR_JWT_CLAIM_INVALID');

    const verified = deepFreeze(claims);
    this.cache.set(cacheKey, verified, nowMs);
    return verified;
  }
}
