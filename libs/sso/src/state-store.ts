import { createHash, randomBytes } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { WardenError } from '@warden/errors';

/** What a sign-in remembers between its start and its callback; never leaves the server. */
export interface SignInState {
  provider: string;
  nonce: string;
  /** PKCE code_verifier (absent when the provider's pkce is none). */
  verifier?: string;
  returnPath: string;
  /** Hash of the browser's binding cookie: the callback must come from the browser that started. */
  binding: string;
  /** A Test Provider run an admin started: it shows what the sign-in would do and does nothing. */
  test?: boolean;
  /** SAML: the AuthnRequest id this sign-in sent; its answer must be in response to it. */
  requestId?: string;
}

export const STATE_TTL_SEC = 600;
const STATE_PATTERN = /^[\w-]{43}$/;

const digest = (value: string): string => createHash('sha256').update(value).digest('base64url');
export const randomToken = (): string => randomBytes(32).toString('base64url');

/**
 * Sign-in states in Redis, so any gateway replica can finish a sign-in another started. A state is
 * taken at most once (GETDEL), lives STATE_TTL_SEC, and leaves a marker behind so a replay is told
 * apart from a state that never existed. Keys hold a hash of the state, never the state itself.
 */
export class SignInStates {
  constructor(
    private readonly redis: RedisClientType,
    private readonly prefix: string,
  ) {}

  /** Saves a state under a fresh handle (or one the caller drew, when the handle must go into the request first). */
  async save(state: SignInState, handle = randomToken()): Promise<string> {
    await this.redis.set(this.key('state', handle), JSON.stringify(state), { EX: STATE_TTL_SEC });
    return handle;
  }

  async take(handle: unknown, browserBinding: string | undefined): Promise<SignInState> {
    if (handle === undefined || handle === '') throw new WardenError('ERR_SSO_STATE_MISSING');
    if (typeof handle !== 'string' || !STATE_PATTERN.test(handle))
      throw new WardenError('ERR_SSO_STATE_UNKNOWN', 'the sign-in state is not one this server issues');
    const raw = await this.redis.getDel(this.key('state', handle));
    if (raw === null) {
      const used = await this.redis.exists(this.key('used', handle));
      throw new WardenError(used ? 'ERR_SSO_STATE_REPLAYED' : 'ERR_SSO_STATE_UNKNOWN');
    }
    await this.redis.set(this.key('used', handle), '1', { EX: STATE_TTL_SEC });
    const state = JSON.parse(raw) as SignInState;
    if (!browserBinding || digest(browserBinding) !== state.binding) throw new WardenError('ERR_SSO_STATE_FOREIGN');
    return state;
  }

  /**
   * Reads a state without taking it or checking the browser: only to decide how to answer a
   * request that cannot carry the binding cookie (the IdP's cross-site POST to a SAML ACS).
   */
  async peek(handle: unknown): Promise<SignInState | undefined> {
    if (typeof handle !== 'string' || !STATE_PATTERN.test(handle)) return undefined;
    const raw = await this.redis.get(this.key('state', handle));
    return raw ? (JSON.parse(raw) as SignInState) : undefined;
  }

  private key(kind: 'state' | 'used', handle: string): string {
    return `${this.prefix}:${kind}:${digest(handle)}`;
  }
}

export const bindingDigest = digest;
