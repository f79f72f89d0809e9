import type { CacheItem, CacheProvider } from '@node-saml/passport-saml';
import type { RedisClientType } from 'redis';

/** How long an AuthnRequest may wait for its answer: a login form, a second factor, a coffee. */
export const REQUEST_TTL_SEC = 10 * 60;

/**
 * The AuthnRequest ids this gateway issued, per connection, in Redis so every replica knows them;
 * an id issued for one connection is unknown to another. node-saml reads an id twice (Response and
 * SubjectConfirmationData) and removes it after a success or a refusal; `claim` instead makes the use
 * single, atomically: of two copies of one response validated at once, only the first claims its request.
 */
export class SamlRequestIds implements CacheProvider {
  constructor(
    private readonly redis: RedisClientType,
    private readonly prefix: string,
    private readonly connectionId: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:saml-request:${this.connectionId}:${id}`;
  }

  async saveAsync(key: string, value: string): Promise<CacheItem | null> {
    const stored = await this.redis.set(this.key(key), value, { EX: REQUEST_TTL_SEC, NX: true });
    return stored ? { value, createdAt: Date.now() } : null;
  }

  getAsync(key: string): Promise<string | null> {
    return this.redis.get(this.key(key));
  }

  // Kept until it expires: `claim` marks it used, and a forged response must not burn a real request.
  async removeAsync(key: string | null): Promise<string | null> {
    return key;
  }

  /** True for the first caller only, per request id. */
  async claim(requestId: string): Promise<boolean> {
    return (await this.redis.set(`${this.key(requestId)}:used`, '1', { EX: REQUEST_TTL_SEC, NX: true })) === 'OK';
  }
}
