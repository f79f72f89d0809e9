import { WardenError } from '@warden/errors';
import { callProvider } from './provider-http';
import { ProviderKeys } from './provider-keys';
import { ProviderMetadata, type ProviderEndpoints } from './provider-metadata';
import { verifyProviderToken, type ProviderClaims } from './provider-token';
import type { ProviderSettings } from './sso-settings';

export interface SignInResult {
  idToken: string;
  /** ID token claims, overlaid by the access token's or userinfo's (same subject). */
  claims: Record<string, unknown> & { sub: string };
  /** The provider session (`sid`), when the provider names one: back-channel logout addresses it. */
  sid?: string;
}

// Claims of the token itself, not of the user: they never come from the access token or userinfo.
const TOKEN_CLAIMS = new Set(['iss', 'aud', 'azp', 'exp', 'iat', 'nbf', 'nonce', 'jti', 'sid', 'at_hash', 'c_hash', 'auth_time', 'typ']);

/**
 * How far the client trusts what the token endpoint answers. An env provider's issuer comes from
 * discovery and its signatures are always checked; a stored connection names no issuer (the ID
 * token's own, received straight from the configured token endpoint, is taken) and its admin may
 * turn signature checks off ("Verify token signature").
 */
export interface TokenTrust {
  issuerFromToken: boolean;
  verifySignature: boolean;
}

const STRICT: TokenTrust = { issuerFromToken: false, verifySignature: true };

/** One configured provider's protocol side: endpoints, keys, the code exchange and every token check. */
export class OidcClient {
  readonly metadata: ProviderMetadata;
  readonly keys: ProviderKeys;
  private readonly timeoutMs: number;

  constructor(
    readonly settings: ProviderSettings,
    onError: (message: string) => void,
    readonly trust: TokenTrust = STRICT,
  ) {
    this.metadata = new ProviderMetadata(settings, onError);
    this.timeoutMs = settings.timeout_sec * 1000;
    this.keys = new ProviderKeys(() => this.metadata.current().jwksUrl, this.timeoutMs);
  }

  get endpoints(): ProviderEndpoints {
    return this.metadata.current();
  }

  /** Code for tokens, then the ID token and the claim source verified. */
  async finishSignIn(input: { code: string; verifier?: string; redirectUri: string; nonce: string }): Promise<SignInResult> {
    const tokens = await this.exchange(input);
    const idClaims = await verifyProviderToken(tokens.idToken, {
      ...this.expect('id', input.nonce),
      ...(!this.trust.verifySignature && { keys: undefined }),
    });
    const extra = await this.userClaims(tokens.accessToken, idClaims);
    if (extra['sub'] !== undefined && extra['sub'] !== idClaims.sub) throw new WardenError('ERR_SSO_USERINFO_SUBJECT');
    const userClaims = Object.fromEntries(Object.entries(extra).filter(([k]) => !TOKEN_CLAIMS.has(k)));
    const claims = { ...idClaims, ...userClaims, sub: idClaims.sub as string };
    return { idToken: tokens.idToken, claims, ...(typeof idClaims['sid'] === 'string' && { sid: idClaims['sid'] }) };
  }

  verifyLogoutToken(token: unknown): Promise<ProviderClaims> {
    return verifyProviderToken(token, this.expect('logout'));
  }

  private expect(kind: 'id' | 'logout' | 'access', nonce?: string) {
    const issuer = this.trust.issuerFromToken ? undefined : this.endpoints.issuer;
    return { keys: this.keys, issuer, clientId: this.settings.clientId, skewSec: this.settings.clock_skew_sec, kind, nonce };
  }

  private async exchange(input: { code: string; verifier?: string; redirectUri: string }): Promise<{ idToken: string; accessToken?: string }> {
    const form = new URLSearchParams({ grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri });
    if (input.verifier) form.set('code_verifier', input.verifier);
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const { clientId, clientSecret } = this.settings;
    // client_secret_basic (RFC 6749 2.3.1: both parts form-encoded); a public client names itself in the body.
    if (clientSecret)
      headers['Authorization'] = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
    else form.set('client_id', clientId);
    const { status, body } = await callProvider(this.endpoints.tokenUrl, { method: 'POST', headers, body: form.toString() }, this.timeoutMs);
    if (status !== 200) throw tokenEndpointError(status, body['error'], body['error_description']);
    if (typeof body['id_token'] !== 'string') throw new WardenError('ERR_SSO_TOKEN_MISSING');
    const accessToken = typeof body['access_token'] === 'string' ? body['access_token'] : undefined;
    return { idToken: body['id_token'], accessToken };
  }

  /**
   * The access token's claims when the operator chose it (get_info_from_access_token) and it verifies
   * as a token of this provider for this client; otherwise the userinfo endpoint's.
   */
  private async userClaims(accessToken: string | undefined, idClaims: ProviderClaims): Promise<Record<string, unknown>> {
    if (!accessToken) return {};
    if (this.settings.get_info_from_access_token) {
      const claims = await this.accessTokenClaims(accessToken);
      if (claims && claims.sub === idClaims.sub) return claims;
    }
    const url = this.endpoints.userinfoUrl;
    if (!url) return {};
    const { status, body } = await callProvider(url, { headers: { Authorization: `Bearer ${accessToken}` } }, this.timeoutMs);
    if (status !== 200) throw new WardenError('ERR_SSO_PROVIDER_RESPONSE', `the userinfo endpoint answered HTTP ${status}`);
    if (body['sub'] !== idClaims.sub) throw new WardenError('ERR_SSO_USERINFO_SUBJECT');
    return body;
  }

  private async accessTokenClaims(accessToken: string): Promise<ProviderClaims | undefined> {
    // An opaque token, or one for another audience, is simply not a claims source.
    if (accessToken.split('.').length !== 3) return undefined;
    return verifyProviderToken(accessToken, this.expect('access')).catch(() => undefined);
  }
}

function tokenEndpointError(status: number, error: unknown, description: unknown): WardenError {
  if (error === 'invalid_client' || error === 'unauthorized_client' || status === 401) {
    return new WardenError('ERR_SSO_CLIENT_REJECTED', `the token endpoint answered HTTP ${status} (${String(error ?? 'no error code')})`);
  }
  // Providers answer a bad verifier with invalid_grant and say so (Keycloak, oidc-provider: "PKCE verification failed").
  if (error === 'invalid_grant' && typeof description === 'string' && /pkce|code.verifier/i.test(description)) return new WardenError('ERR_SSO_PKCE_REJECTED');
  if (error === 'invalid_grant') return new WardenError('ERR_SSO_CODE_REJECTED');
  return new WardenError(
    'ERR_SSO_PROVIDER_RESPONSE',
    `the token endpoint answered HTTP ${status} (${typeof error === 'string' ? error.slice(0, 64) : 'no error code'})`,
  );
}
