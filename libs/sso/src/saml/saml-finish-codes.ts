import type { RedisClientType } from 'redis';
import { WardenError } from '@warden/errors';
import { bindingDigest, randomToken } from '../state-store';
import type { SamlClaims } from './saml-service-provider';

/** Long enough for a meta refresh on a slow machine, short enough that a leaked URL is soon worthless. */
export const FINISH_CODE_TTL_SEC = 60;

/** What the ACS decided, waiting for the browser that started the sign-in to come and collect it. */
export interface ParkedResult {
  connection: string;
  /** The sign-in state's handle (the RelayState): taken at the finish, with the browser's cookie. */
  relay: string;
  claims?: SamlClaims;
  /** Test Provider runs only: the refusal, shown to the admin at the finish. */
  error?: { code: string; message: string };
}

/**
 * One-time codes between the ACS (a cross-site POST: no SameSite cookie) and the finish route (a
 * same-origin navigation: the binding cookie is sent). Redis keys hold a digest of the code; a code
 * is taken once (GETDEL) and lives FINISH_CODE_TTL_SEC.
 */
export class SamlFinishCodes {
  constructor(
    private readonly redis: RedisClientType,
    private readonly prefix: string,
  ) {}

  async park(result: ParkedResult): Promise<string> {
    const code = randomToken();
    await this.redis.set(this.key(code), JSON.stringify(result), { EX: FINISH_CODE_TTL_SEC });
    return code;
  }

  async take(code: unknown): Promise<ParkedResult> {
    if (typeof code !== 'string' || !/^[\w-]{43}$/.test(code))
      throw new WardenError('ERR_SSO_STATE_UNKNOWN', 'the sign-in finish code is missing or malformed');
    const raw = await this.redis.getDel(this.key(code));
    if (raw === null) throw new WardenError('ERR_SSO_STATE_UNKNOWN', 'the sign-in finish code expired or was already used');
    return JSON.parse(raw) as ParkedResult;
  }

  private key(code: string): string {
    return `${this.prefix}:saml-finish:${bindingDigest(code)}`;
  }
}
