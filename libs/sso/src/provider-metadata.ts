import { WardenError } from '@warden/errors';
import { callProvider } from './provider-http';
import type { ProviderSettings } from './sso-settings';

export interface ProviderEndpoints {
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  userinfoUrl?: string;
  endSessionUrl?: string;
}

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 60_000;

/**
 * A provider's endpoints: the configured ones, with discovery (`<base_url>/.well-known/openid-configuration`)
 * filling what is not set. Discovery retries in the background with a growing pause, so the gateway
 * starts while a provider is down; until it succeeds the provider answers ERR_SSO_PROVIDER_UNAVAILABLE.
 */
export class ProviderMetadata {
  private endpoints?: ProviderEndpoints;
  private lastError = 'discovery has not run yet';
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly settings: ProviderSettings,
    private readonly onError: (message: string) => void,
  ) {
    const explicit = explicitEndpoints(settings);
    if (explicit && !settings.base_url) this.endpoints = explicit;
  }

  /** Starts discovery (when needed); resolves after the first attempt, whatever its outcome. */
  async start(): Promise<void> {
    if (this.endpoints) return;
    await this.attempt(RETRY_MIN_MS);
  }

  get ready(): boolean {
    return this.endpoints !== undefined;
  }

  current(): ProviderEndpoints {
    if (this.endpoints) return this.endpoints;
    throw new WardenError('ERR_SSO_PROVIDER_UNAVAILABLE', `provider ${this.settings.name} is not available yet: ${this.lastError}`);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async attempt(pauseMs: number): Promise<void> {
    try {
      this.endpoints = await this.discover();
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      this.onError(`discovery of provider ${this.settings.name} failed (retrying in ${pauseMs / 1000} s): ${this.lastError}`);
      if (!this.closed) this.timer = setTimeout(() => void this.attempt(Math.min(pauseMs * 2, RETRY_MAX_MS)), pauseMs).unref();
    }
  }

  private async discover(): Promise<ProviderEndpoints> {
    const s = this.settings;
    const base = (s.base_url ?? '').replace(/\/+$/, '');
    const { status, body } = await callProvider(`${base}/.well-known/openid-configuration`, {}, s.timeout_sec * 1000);
    if (status !== 200) throw new WardenError('ERR_SSO_PROVIDER_RESPONSE', `discovery answered HTTP ${status}`);
    const text = (key: string): string | undefined => (typeof body[key] === 'string' ? body[key] : undefined);
    const endpoints = {
      issuer: s.issuer ?? text('issuer'),
      authorizationUrl: s.authorize_url ?? text('authorization_endpoint'),
      tokenUrl: s.access_token_url ?? text('token_endpoint'),
      jwksUrl: s.jwks_url ?? text('jwks_uri'),
      userinfoUrl: s.userinfo_url ?? text('userinfo_endpoint'),
      endSessionUrl: s.end_session_url ?? text('end_session_endpoint'),
    };
    const missing = (['issuer', 'authorizationUrl', 'tokenUrl', 'jwksUrl'] as const).filter((k) => !endpoints[k]);
    if (missing.length) throw new WardenError('ERR_SSO_PROVIDER_RESPONSE', `discovery document lacks ${missing.join(', ')}`);
    // OpenID Connect Discovery 1.0, 4.3: the document must name the issuer it was fetched for.
    if (!s.issuer && endpoints.issuer !== base && endpoints.issuer !== `${base}/`) {
      throw new WardenError('ERR_SSO_PROVIDER_RESPONSE', `discovery names issuer ${endpoints.issuer}, not base_url ${base}`);
    }
    return endpoints as ProviderEndpoints;
  }
}

function explicitEndpoints(s: ProviderSettings): ProviderEndpoints | undefined {
  if (!(s.issuer && s.authorize_url && s.access_token_url && s.jwks_url)) return undefined;
  return {
    issuer: s.issuer,
    authorizationUrl: s.authorize_url,
    tokenUrl: s.access_token_url,
    jwksUrl: s.jwks_url,
    userinfoUrl: s.userinfo_url,
    endSessionUrl: s.end_session_url,
  };
}
