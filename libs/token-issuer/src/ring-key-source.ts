import { StaticKeySource, type KeySource, type VerificationKey } from '@warden/tokens';
import type { KeyRing } from './key-ring';

export interface RingKeySourceOptions {
  /** At most one re-read of the store per interval, whatever kids arrive (random kids must not flood MongoDB). */
  minReloadMs: number;
  onError: (error: unknown) => void;
}

/**
 * The gateway's own verification keys: those its ring publishes, re-read from the shared store when
 * a token names a kid the ring does not know. Another replica's rotation is then recognised at once,
 * not at this replica's next periodic reload.
 */
export class RingKeySource implements KeySource {
  private kids?: string;
  private source?: StaticKeySource;

  constructor(
    private readonly ring: KeyRing,
    private readonly options: RingKeySourceOptions,
  ) {}

  async get(kid: string): Promise<VerificationKey | undefined> {
    const known = await this.current().get(kid);
    if (known) return known;
    await this.ring.refresh(this.options.minReloadMs).catch(this.options.onError);
    return this.current().get(kid);
  }

  /** Rebuilt only when the ring publishes another set of kids. */
  private current(): StaticKeySource {
    const jwks = this.ring.jwks();
    const kids = jwks.keys.map((key) => key.kid).join(' ');
    if (kids !== this.kids || !this.source) {
      this.kids = kids;
      this.source = StaticKeySource.fromJwks(jwks);
    }
    return this.source;
  }
}
