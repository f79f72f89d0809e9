// Tokens straight from the realm, without Warden: the direct (password) grant and a signature check
// against the realm's published keys, for tests that prove the Keycloak service itself.
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { KeycloakState } from './keycloak-state';
import { userPassword } from './keycloak-state';

export interface TokenResponse {
  id_token: string;
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

export async function passwordGrant(
  state: KeycloakState,
  username: string,
  password = userPassword(state, username),
  client = state.client,
): Promise<TokenResponse> {
  const body = new URLSearchParams({
    grant_type: 'password',
    client_id: client.clientId,
    client_secret: client.clientSecret,
    username,
    password,
    scope: 'openid',
  });
  const res = await fetch(`${state.issuer}/protocol/openid-connect/token`, { method: 'POST', body });
  if (!res.ok) {
    // The OAuth error code only: the description may quote what was sent.
    const { error } = (await res.json().catch(() => ({}))) as { error?: string };
    throw new Error(`password grant for ${username}: HTTP ${res.status} ${error ?? ''}`.trim());
  }
  return (await res.json()) as TokenResponse;
}

/** Verifies a realm-signed JWT (RS256 only) against the realm's JWKS and returns its claims. */
export async function verifyRealmToken(state: KeycloakState, token: string, audience: string): Promise<jwt.JwtPayload> {
  const { jwks_uri } = (await (await fetch(`${state.issuer}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
  const { keys } = (await (await fetch(jwks_uri)).json()) as { keys: (JsonWebKey & { kid: string; use?: string })[] };
  const { header } = jwt.decode(token, { complete: true }) ?? {};
  const jwk = keys.find((k) => k.kid === header?.kid && k.use !== 'enc');
  if (!jwk) throw new Error(`no realm key with kid ${String(header?.kid)}`);
  return jwt.verify(token, createPublicKey({ key: jwk, format: 'jwk' }), {
    algorithms: ['RS256'],
    issuer: state.issuer,
    audience,
  }) as jwt.JwtPayload;
}
