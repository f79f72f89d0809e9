import jwt from 'jsonwebtoken';
import { WardenError } from '@warden/errors';
import type { ProviderKeys } from './provider-keys';

/** Asymmetric only: `none` is unsigned, and HS* would let anyone holding the client secret sign. */
const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;
type Algorithm = (typeof ALLOWED_ALGORITHMS)[number];
const MAX_TOKEN_LENGTH = 16 * 1024;
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export type ProviderClaims = Record<string, unknown> & { iss: string; sub?: string; aud: string | string[]; exp: number; iat: number };

export interface TokenExpectations {
  /**
   * The provider's keys; absent only for an ID token the client received straight from the token
   * endpoint over TLS when the admin turned signature checks off (OpenID Connect Core 3.1.3.7, 6).
   */
  keys?: ProviderKeys;
  /** Absent for a stored connection, whose configuration names no issuer: the token's own is used. */
  issuer?: string;
  clientId: string;
  skewSec: number;
  /**
   * id: an ID token of this sign-in (nonce required); logout: a back-channel logout token (events,
   * no nonce); access: an access token read for claims (issued to this client: aud or azp).
   */
  kind: 'id' | 'logout' | 'access';
  nonce?: string;
  nowSec?: number;
}

/**
 * Verifies a token the provider signed: header and algorithm first, then the signature against the
 * provider's JWKS (jsonwebtoken, pinned to the header's one allowed algorithm), then every claim
 * OpenID Connect Core 3.1.3.7 asks for. Each failure has its own code.
 */
export async function verifyProviderToken(token: unknown, expect: TokenExpectations): Promise<ProviderClaims> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) {
    throw new WardenError('ERR_SSO_TOKEN_MALFORMED', 'the token is not a compact JWS');
  }
  const header = decodeSegment(token.split('.')[0]);
  const alg = header['alg'];
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none') throw new WardenError('ERR_SSO_TOKEN_UNSIGNED');
  if (!ALLOWED_ALGORITHMS.includes(alg as Algorithm))
    throw new WardenError('ERR_SSO_TOKEN_ALG', `algorithm ${alg.slice(0, 16)} is not allowed (only RS, PS and ES)`);
  if (header['crit'] !== undefined) throw new WardenError('ERR_SSO_TOKEN_MALFORMED', 'critical header parameters are not supported');
  const kid = header['kid'];
  if (kid !== undefined && typeof kid !== 'string') throw new WardenError('ERR_SSO_TOKEN_MALFORMED', 'kid is not text');
  let claims: ProviderClaims;
  try {
    claims = expect.keys
      ? (jwt.verify(token, await expect.keys.find(kid, alg.startsWith('ES') ? 'EC' : 'RSA'), {
          algorithms: [alg as Algorithm],
          ignoreExpiration: true,
          ignoreNotBefore: true,
        }) as ProviderClaims)
      : (jwt.decode(token) as ProviderClaims);
  } catch (error) {
    if (error instanceof WardenError) throw error;
    throw new WardenError('ERR_SSO_TOKEN_SIGNATURE');
  }
  if (typeof claims !== 'object' || claims === null) throw new WardenError('ERR_SSO_TOKEN_MALFORMED', 'the token payload is not an object');
  checkClaims(claims, expect);
  return claims;
}

function checkClaims(claims: ProviderClaims, expect: TokenExpectations): void {
  const now = expect.nowSec ?? Math.floor(Date.now() / 1000);
  if (typeof claims.iss !== 'string' || (expect.issuer !== undefined && claims.iss !== expect.issuer)) throw new WardenError('ERR_SSO_TOKEN_ISSUER');
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (expect.kind === 'access') {
    if (!audiences.includes(expect.clientId) && claims['azp'] !== expect.clientId) throw new WardenError('ERR_SSO_TOKEN_AUDIENCE');
  } else if (!audiences.includes(expect.clientId)) throw new WardenError('ERR_SSO_TOKEN_AUDIENCE');
  if (expect.kind !== 'access' && audiences.length > 1 && claims['azp'] === undefined) throw new WardenError('ERR_SSO_TOKEN_AZP');
  if (claims['azp'] !== undefined && claims['azp'] !== expect.clientId)
    throw new WardenError('ERR_SSO_TOKEN_AZP', 'the token was issued to another client (azp)');
  if (typeof claims.iat !== 'number') throw new WardenError('ERR_SSO_TOKEN_CLAIM', 'the token has no iat');
  if (claims.iat > now + expect.skewSec) throw new WardenError('ERR_SSO_TOKEN_IAT');
  if (typeof claims['nbf'] === 'number' && claims['nbf'] > now + expect.skewSec) throw new WardenError('ERR_SSO_TOKEN_IAT', 'the token is not valid yet (nbf)');
  if (typeof claims.exp !== 'number') throw new WardenError('ERR_SSO_TOKEN_CLAIM', 'the token has no exp');
  if (claims.exp <= now - expect.skewSec) throw new WardenError('ERR_SSO_TOKEN_EXPIRED');
  if (expect.kind === 'id') return checkIdToken(claims, expect);
  if (expect.kind === 'logout') return checkLogoutToken(claims);
  if (typeof claims.sub !== 'string' || !claims.sub) throw new WardenError('ERR_SSO_TOKEN_CLAIM', 'the access token has no sub');
}

function checkIdToken(claims: ProviderClaims, expect: TokenExpectations): void {
  if (typeof claims.sub !== 'string' || !claims.sub || claims.sub.length > 255) throw new WardenError('ERR_SSO_TOKEN_CLAIM', 'the ID token has no usable sub');
  if (claims['events'] !== undefined) throw new WardenError('ERR_SSO_TOKEN_CLAIM', 'a logout token is not an ID token');
  if (!expect.nonce || claims['nonce'] !== expect.nonce) throw new WardenError('ERR_SSO_TOKEN_NONCE');
}

// OpenID Connect Back-Channel Logout 1.0, 2.4 and 2.6.
function checkLogoutToken(claims: ProviderClaims): void {
  const events = claims['events'];
  if (typeof events !== 'object' || events === null || typeof (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT] !== 'object') {
    throw new WardenError('ERR_SSO_LOGOUT_TOKEN', 'the logout token lacks the back-channel logout event');
  }
  if (claims['nonce'] !== undefined) throw new WardenError('ERR_SSO_LOGOUT_TOKEN', 'a logout token must not carry a nonce');
  const sid = claims['sid'];
  const hasSub = typeof claims.sub === 'string' && claims.sub.length > 0;
  if (!hasSub && !(typeof sid === 'string' && sid.length > 0)) throw new WardenError('ERR_SSO_LOGOUT_TOKEN', 'the logout token names neither sid nor sub');
  if (typeof claims['jti'] !== 'string' || !claims['jti']) throw new WardenError('ERR_SSO_LOGOUT_TOKEN', 'the logout token has no jti');
}

function decodeSegment(segment: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through to the refusal
  }
  throw new WardenError('ERR_SSO_TOKEN_MALFORMED', 'the token header is not a JSON object');
}
