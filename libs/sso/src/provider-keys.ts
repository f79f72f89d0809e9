import { createPublicKey, type KeyObject } from 'node:crypto';
import { WardenError } from '@warden/errors';
import { callProvider } from './provider-http';

export interface ProviderKey {
  kid?: string;
  alg?: string;
  key: KeyObject;
}

/** An unknown kid refetches the set at most this often, so forged kids cannot make us hammer the provider. */
export const KEY_REFRESH_MIN_MS = 30_000;
const MAX_KEYS = 50;

/**
 * The provider's signing keys from its JWKS. A token naming a kid not in the set refetches it (a
 * rotation), at most once per KEY_REFRESH_MIN_MS; concurrent misses share one fetch.
 */
export class ProviderKeys {
  private keys: ProviderKey[] = [];
  private fetchedAt = 0;
  private inflight?: Promise<void>;

  constructor(
    private readonly jwksUrl: () => string,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async find(kid: string | undefined, kty: 'RSA' | 'EC'): Promise<KeyObject> {
    // A fetch under way (the first one, or a rotation another sign-in noticed) is waited for, not raced.
    if (this.inflight) await this.inflight.catch(() => undefined);
    if (this.fetchedAt === 0) await this.refresh();
    let found = this.match(kid, kty);
    if (!found && this.now() - this.fetchedAt >= KEY_REFRESH_MIN_MS) {
      await this.refresh();
      found = this.match(kid, kty);
    }
    if (!found)
      throw new WardenError(
        'ERR_SSO_TOKEN_KID',
        kid ? `the provider publishes no ${kty} key with kid ${kid.slice(0, 64)}` : `the token names no kid and the provider publishes no single ${kty} key`,
      );
    return found;
  }

  private match(kid: string | undefined, kty: 'RSA' | 'EC'): KeyObject | undefined {
    const ofType = this.keys.filter((k) => (k.key.asymmetricKeyType === 'ec' ? 'EC' : 'RSA') === kty);
    if (kid !== undefined) return ofType.find((k) => k.kid === kid)?.key;
    return ofType.length === 1 ? ofType[0].key : undefined;
  }

  private refresh(): Promise<void> {
    this.inflight ??= this.fetchKeys().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchKeys(): Promise<void> {
    // Counted as fetched even when it fails, so a provider that is down is not asked on every request.
    this.fetchedAt = this.now();
    const { status, body } = await callProvider(this.jwksUrl(), {}, this.timeoutMs);
    if (status !== 200 || !Array.isArray(body['keys']))
      throw new WardenError('ERR_SSO_PROVIDER_RESPONSE', `the provider's JWKS answered HTTP ${status} without a keys list`);
    this.keys = (body['keys'] as unknown[]).slice(0, MAX_KEYS).flatMap(toProviderKey);
  }
}

/** Public signing keys only: private parts, symmetric keys and encryption keys are ignored. */
function toProviderKey(jwk: unknown): ProviderKey[] {
  if (typeof jwk !== 'object' || jwk === null) return [];
  const k = jwk as Record<string, unknown>;
  if ((k['kty'] !== 'RSA' && k['kty'] !== 'EC') || k['d'] !== undefined || (k['use'] !== undefined && k['use'] !== 'sig')) return [];
  try {
    const key = createPublicKey({ key: k as import('node:crypto').JsonWebKey, format: 'jwk' });
    return [{ kid: typeof k['kid'] === 'string' ? k['kid'] : undefined, alg: typeof k['alg'] === 'string' ? k['alg'] : undefined, key }];
  } catch {
    return [];
  }
}
