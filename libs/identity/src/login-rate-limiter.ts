import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { RedisClientType } from 'redis';
import { WardenError } from '@warden/errors';
import { DEFAULT_LOGIN_LIMITS, backoffDelaySec, type LoginLimits } from './login-limits';

export interface LoginRateLimiterOptions {
  redis: RedisClientType;
  keyPrefix?: string;
  limits?: LoginLimits;
}

export interface LoginAdmission {
  /** How long to hold the attempt before checking it: the account is past its ceiling. */
  delayMs: number;
  /** Whether a success must give something back: a reservation, or failures in a row to clear. */
  release: boolean;
}

// Failures in a row are forgotten a day after the first one; a success forgets them at once.
const CONSECUTIVE_WINDOW_MS = 24 * 60 * 60 * 1000;

// Gives back what admit() reserved (ARGV[1]: 1, or 0 for an access key), unless the window has
// ended meanwhile (a DECRBY would then create a key without expiry), and clears the pair's
// back-off when asked to.
const RELEASE = `
for i = 1, 2 do
  if redis.call('PTTL', KEYS[i]) > 0 then redis.call('DECRBY', KEYS[i], ARGV[1]) end
end
if ARGV[2] == 'clear' then redis.call('DEL', KEYS[3], KEYS[4]) end
return 0`;

export interface LoginSubject {
  /** The login id names stored API credentials. */
  isKey: boolean;
}

/**
 * Counts failed logins in Redis (see LoginLimits): per client address, per (account, client) with
 * a growing back-off, and per account, where passing the ceiling slows attempts down instead of
 * refusing them. An access key (`isKey`) is never slowed by what other clients do: its 50-character
 * secret cannot be guessed, so only the per-client limits apply to it.
 *
 * admit() reserves a password attempt in the per-client and per-pair counts before the password
 * is checked, so a burst of parallel guesses cannot all pass before the first failure is counted;
 * a success (or a refusal) gives the reservation back. Access keys reserve nothing: guessing their
 * secret in parallel gains nothing, while a fleet logging in with one key at once is ordinary;
 * their failures count once known. Keys and usernames run the same Redis commands (only an
 * increment of 0 or 1 differs), so the work done does not tell them apart.
 *
 * When Redis cannot be reached every method throws ERR_SERVICE_UNAVAILABLE: failing open would
 * turn a Redis outage into unlimited password guessing, so logins stop instead.
 */
export class LoginRateLimiter {
  private readonly redis: RedisClientType;
  private readonly limits: LoginLimits;
  private readonly prefix: string;

  constructor(options: LoginRateLimiterOptions) {
    this.redis = options.redis;
    this.limits = options.limits ?? DEFAULT_LOGIN_LIMITS;
    this.prefix = options.keyPrefix ?? 'warden:login';
  }

  /** One MULTI round trip; throws ERR_RATE_LIMITED (with retry_after_sec) when the attempt may not run. */
  async admit(account: string, clientIp: string, subject: LoginSubject): Promise<LoginAdmission> {
    const keys = this.keys(account, clientIp);
    const { perClient, perAccountClient, perAccount } = this.limits;
    const reserved = reservation(subject);
    const multi = this.redis.multi();
    multi
      .set(keys.client, 0, { PX: perClient.windowSec * 1000, NX: true })
      .incrBy(keys.client, reserved)
      .pTTL(keys.client);
    multi
      .set(keys.pair, 0, { PX: perAccountClient.windowSec * 1000, NX: true })
      .incrBy(keys.pair, reserved)
      .pTTL(keys.pair);
    multi.pTTL(keys.lockout).get(keys.account).exists(keys.consecutive);
    const replies = (await this.guard(() => multi.exec())) as (string | number | null)[];
    const [, clientCount, clientTtl, , pairCount, pairTtl, lockTtl, accountFailures, failuresInARow] = replies;
    // With this attempt counted (reserved, or about to count if it fails) would a limit be passed?
    const over = (count: string | number | null, limit: number) => Number(count) + (1 - reserved) > limit;
    const blockedForMs = Math.max(
      over(clientCount, perClient.failures) ? ttlMs(clientTtl) : 0,
      over(pairCount, perAccountClient.failures) ? ttlMs(pairTtl) : 0,
      Number(lockTtl) === -2 ? 0 : ttlMs(lockTtl),
    );
    if (blockedForMs > 0) {
      await this.release(keys, subject, false);
      throw new WardenError('ERR_RATE_LIMITED', undefined, { retry_after_sec: Math.max(1, Math.ceil(blockedForMs / 1000)) });
    }
    const slowed = !subject.isKey && Number(accountFailures ?? 0) >= perAccount.slowAfterFailures;
    // Most logins (an API key, no earlier failure) have nothing to give back: success then costs no round trip.
    return { delayMs: slowed ? perAccount.delayMs : 0, release: reserved > 0 || Number(failuresInARow) > 0 };
  }

  /** The admitted attempt failed: it counts (a key's only now), and the pair's back-off grows. */
  async recordFailure(account: string, clientIp: string, subject: LoginSubject): Promise<void> {
    const keys = this.keys(account, clientIp);
    const { perClient, perAccountClient, perAccount } = this.limits;
    const unreserved = 1 - reservation(subject);
    const multi = this.redis.multi();
    multi.set(keys.consecutive, 0, { PX: CONSECUTIVE_WINDOW_MS, NX: true }).incr(keys.consecutive);
    multi.set(keys.account, 0, { PX: perAccount.windowSec * 1000, NX: true }).incr(keys.account);
    multi.set(keys.client, 0, { PX: perClient.windowSec * 1000, NX: true }).incrBy(keys.client, unreserved);
    multi.set(keys.pair, 0, { PX: perAccountClient.windowSec * 1000, NX: true }).incrBy(keys.pair, unreserved);
    const replies = (await this.guard(() => multi.exec())) as (string | number | null)[];
    const delaySec = backoffDelaySec(Number(replies[1]), this.limits.backoff);
    if (delaySec > 0) await this.guard(() => this.redis.set(keys.lockout, 1, { PX: Math.round(delaySec * 1000) }));
  }

  /** The admitted attempt succeeded: its reservation is given back and this client's back-off cleared. */
  async recordSuccess(account: string, clientIp: string, subject: LoginSubject, admission: LoginAdmission): Promise<void> {
    if (!admission.release) return;
    await this.release(this.keys(account, clientIp), subject, true);
  }

  private async release(keys: LimiterKeys, subject: LoginSubject, clearBackoff: boolean): Promise<void> {
    const args = [String(reservation(subject)), clearBackoff ? 'clear' : 'keep'];
    await this.guard(() => this.redis.eval(RELEASE, { keys: [keys.client, keys.pair, keys.consecutive, keys.lockout], arguments: args }));
  }

  private keys(account: string, clientIp: string): LimiterKeys {
    // Usernames are case-insensitive, so the counts must be too; hashing makes a login id of any
    // length or content a short key of fixed shape.
    const accountKey = createHash('sha256').update(account.trim().toLowerCase(), 'utf8').digest('hex');
    const client = clientSubject(clientIp);
    const pair = `${accountKey}:${client}`;
    const p = this.prefix;
    return {
      client: `${p}:client:${client}`,
      pair: `${p}:pair:${pair}`,
      account: `${p}:account:${accountKey}`,
      consecutive: `${p}:consecutive:${pair}`,
      lockout: `${p}:lockout:${pair}`,
    };
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch {
      throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'login rate limiting is unavailable (Redis)');
    }
  }
}

/** What admit() adds to the per-client and per-pair counts before the check: nothing for a key. */
function reservation(subject: LoginSubject): 0 | 1 {
  return subject.isKey ? 0 : 1;
}

interface LimiterKeys {
  client: string;
  pair: string;
  account: string;
  consecutive: string;
  lockout: string;
}

/**
 * The client a count belongs to: an IPv4 address (also when written IPv4-mapped), or an IPv6
 * client's /64 network, since one host commonly holds a whole /64 and could rotate through it.
 */
export function clientSubject(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1];
  if (isIP(ip) !== 6) return ip || 'unknown';
  const [head, tail] = ip.split('%')[0].split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const known = [...groups(head), ...groups(tail)];
  const full = tail === undefined ? known : [...groups(head), ...Array(8 - known.length).fill('0'), ...groups(tail)];
  return `${full
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

// The limiter always sets an expiry; -1 (none) would mean a key written by someone else.
function ttlMs(ttl: string | number | null): number {
  const ms = Number(ttl);
  return ms === -1 ? 1000 : Math.max(ms, 0);
}
