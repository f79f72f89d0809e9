import type { PublicJwk, TokenAlgorithm } from '@warden/tokens';
import { fromStoredKey, generateSigningKey, signingKeyFromPem, toStoredKey, type SigningKey } from './signing-key';
import type { SigningKeyStore } from './signing-key-store';

export interface KeyRingOptions {
  store: SigningKeyStore;
  algorithm: TokenAlgorithm;
  rotationDays: number;
  maxTokenLifetimeSec: number;
  /** An operator-provided key: used as is, never written to the store, never rotated. */
  configuredKeyPem?: string;
  now?: () => Date;
}

const DAY_MS = 86_400_000;

/** Newest first; the kid breaks ties so every replica reading the same store picks the same key. */
function byNewest(a: SigningKey, b: SigningKey): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.kid < b.kid ? 1 : a.kid > b.kid ? -1 : 0);
}

/**
 * The gateway's signing keys. Rotation is decided from the shared store on every load(), so replicas
 * converge: whatever keys they raced to add, they all pick the newest and publish all the others.
 */
export class KeyRing {
  readonly maxTokenLifetimeSec: number;
  private readonly options: KeyRingOptions;
  private readonly now: () => Date;
  private current?: SigningKey;
  private published: SigningKey[] = [];
  // When the last load began: a failing store is not read again sooner than a working one.
  private lastLoad = -Infinity;
  private loading?: Promise<void>;

  constructor(options: KeyRingOptions) {
    if (!(options.rotationDays > 0)) throw new Error('rotationDays must be positive');
    if (!(options.maxTokenLifetimeSec > 0)) throw new Error('maxTokenLifetimeSec must be positive');
    this.options = options;
    this.maxTokenLifetimeSec = options.maxTokenLifetimeSec;
    this.now = options.now ?? (() => new Date());
  }

  async load(): Promise<void> {
    const now = this.now();
    this.lastLoad = now.getTime();
    if (this.options.configuredKeyPem !== undefined) this.useConfiguredKey(this.options.configuredKeyPem, now);
    else await this.loadStore(now);
  }

  private async loadStore(now: Date): Promise<void> {
    let keys = await this.prune(await this.readStore(), now);
    const newest = this.newestUsable(keys);
    if (!newest || now.getTime() - newest.createdAt.getTime() >= this.options.rotationDays * DAY_MS) {
      await this.rotate(keys, now);
      // Read back rather than trust our own key: another replica may have added a newer one meanwhile.
      keys = await this.prune(await this.readStore(), now);
    }
    const active = this.newestUsable(keys);
    if (!active) throw new Error('signing key store lost the key just added');
    this.current = active;
    this.published = keys;
  }

  /**
   * load(), unless one ran less than minAgeMs ago; concurrent calls share one. For what another
   * replica may have changed in the store (a rotation) without letting each request read it.
   */
  refresh(minAgeMs: number): Promise<void> {
    if (this.loading) return this.loading;
    if (this.now().getTime() - this.lastLoad < minAgeMs) return Promise.resolve();
    this.loading = this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  active(): SigningKey {
    if (!this.current) throw new Error('KeyRing.load() has not been called');
    return this.current;
  }

  jwks(): { keys: PublicJwk[] } {
    this.active();
    return { keys: this.published.map((key) => key.publicJwk) };
  }

  private useConfiguredKey(pem: string, now: Date): void {
    const key = signingKeyFromPem(pem, now);
    if (key.alg !== this.options.algorithm) throw new Error(`configured signing key is ${key.alg} but the configured algorithm is ${this.options.algorithm}`);
    this.current = key;
    this.published = [key];
  }

  private async readStore(): Promise<SigningKey[]> {
    return (await this.options.store.list()).map(fromStoredKey);
  }

  private newestUsable(keys: SigningKey[]): SigningKey | undefined {
    return keys.filter((key) => !key.retiredAt && key.alg === this.options.algorithm).sort(byNewest)[0];
  }

  /** Drops keys retired long enough ago that no token they signed can still be valid. */
  private async prune(keys: SigningKey[], now: Date): Promise<SigningKey[]> {
    const keepMs = this.options.maxTokenLifetimeSec * 1000;
    const kept: SigningKey[] = [];
    for (const key of keys) {
      if (key.retiredAt && now.getTime() - key.retiredAt.getTime() > keepMs) await this.options.store.remove(key.kid);
      else kept.push(key);
    }
    return kept;
  }

  /**
   * Retires only the keys seen before adding ours: retiring "everything but mine" would let two racing
   * replicas retire each other's fresh key.
   */
  private async rotate(keys: SigningKey[], now: Date): Promise<void> {
    await this.options.store.add(toStoredKey(generateSigningKey(this.options.algorithm, now)));
    for (const key of keys) if (!key.retiredAt) await this.options.store.retire(key.kid, now);
  }
}
