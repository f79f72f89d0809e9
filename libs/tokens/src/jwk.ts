import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { TokenAlgorithm } from './claims';
import { TOKEN_ALGORITHMS } from './claims';

export type PublicJwk = JsonWebKey & { kid: string; alg: TokenAlgorithm; use: 'sig' };

export interface VerificationKey {
  kid: string;
  alg: TokenAlgorithm;
  key: KeyObject;
}

const MIN_RSA_BITS = 2048;

/** The one algorithm a key may sign with: EC P-256 → ES256, RSA ≥ 2048 bits → RS256; anything else is refused. */
export function algorithmForKey(key: KeyObject): TokenAlgorithm {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= MIN_RSA_BITS) return 'RS256';
  const described = key.asymmetricKeyType === 'ec' ? `ec ${details?.namedCurve}` : `${key.asymmetricKeyType} ${details?.modulusLength ?? '?'} bits`;
  throw new Error(`unsupported signing key type (${described}): use EC P-256 (ES256) or RSA of at least ${MIN_RSA_BITS} bits (RS256)`);
}

/** RFC 7638 thumbprint: sha256 over the required members in lexicographic order, base64url. */
export function jwkThumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  const required = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url');
}

/** `key` may be private: only its public half is exported. */
export function publicJwkFor(key: KeyObject, kid: string): PublicJwk {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const alg = algorithmForKey(publicKey);
  return { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

/** Reads one JWKS entry; throws on anything that is not a usable public signing key. */
export function verificationKeyFromJwk(jwk: unknown): VerificationKey {
  if (typeof jwk !== 'object' || jwk === null) throw new Error('JWK is not an object');
  const { kid, alg, use } = jwk as Record<string, unknown>;
  if (typeof kid !== 'string' || kid === '') throw new Error('JWK has no kid');
  if (!TOKEN_ALGORITHMS.includes(alg as TokenAlgorithm)) throw new Error(`JWK ${kid} has an unsupported alg`);
  if (use !== undefined && use !== 'sig') throw new Error(`JWK ${kid} is not a signing key`);
  // A published private key is compromised; refusing it makes the misconfiguration loud.
  if ('d' in jwk) throw new Error(`JWK ${kid} holds private key material`);
  const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  // The declared alg must be the one the key type implies, or an RSA key could be served as "ES256".
  if (algorithmForKey(key) !== alg) throw new Error(`JWK ${kid} alg does not match its key type`);
  return { kid, alg: alg as TokenAlgorithm, key };
}
