import { setTimeout as delay } from 'node:timers/promises';
import type { RedisClientType } from 'redis';
import { WardenError } from '@warden/errors';
import type { TokenClaims } from './claims';
import type { RevocationChecker } from './token-verifier';

export interface RevocationListOptions {
  redis: RedisClientType;
  channelPrefix?: string;
  resyncIntervalMs?: number;
  onError?: (error: unknown) => void;
}

type Kind = 'session' | 'credential' | 'user';
const KINDS: readonly Kind[] = ['session', 'credential', 'user'];

/** One change; value is the entry's number (until for sessions and credentials, revokedAt for users), null when lifted. */
interface Change {
  kind: Kind;
  id: string;
  value: number | null;
}

type Entries = Record<Kind, Map<string, number>>;

const emptyEntries = (): Entries => ({ session: new Map(), credential: new Map(), user: new Map() });
const nowSec = (): number => Math.floor(Date.now() / 1000);
const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

function parseChange(message: string): Change | undefined {
  try {
    const change = JSON.parse(message) as Change;
    if (!KINDS.includes(change.kind) || typeof change.id !== 'string') return undefined;
    return change.value === null || Number.isFinite(change.value) ? change : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The deny-list every service consults on every request. Redis holds the truth (keys expiring when the
 * revoked tokens would have anyway); each process keeps a copy in memory, fed by pub/sub and rebuilt by a
 * periodic SCAN so a message missed while disconnected is not missed for long.
 */
export class RevocationList implements RevocationChecker {
  private readonly redis: RedisClientType;
  private readonly prefix: string;
  private readonly channel: string;
  private readonly resyncIntervalMs: number;
  private readonly onError: (error: unknown) => void;
  private entries = emptyEntries();
  // Changes seen while a resync is scanning; replayed onto its result so the scan cannot undo them.
  private duringResync?: Change[];
  private subscriber?: RedisClientType;
  private timer?: NodeJS.Timeout;
  private resyncing?: Promise<void>;
  private resyncAgain = false;
  // True once a resync completed while subscribed, false again as soon as the subscription drops.
  private fresh = false;

  constructor(options: RevocationListOptions) {
    this.redis = options.redis;
    this.prefix = options.channelPrefix ?? 'warden:revocation';
    this.channel = `${this.prefix}:changes`;
    this.resyncIntervalMs = options.resyncIntervalMs ?? 30_000;
    this.onError = options.onError ?? ((error) => process.emitWarning(`revocation list: ${error instanceof Error ? error.message : String(error)}`));
  }

  async start(): Promise<void> {
    if (this.subscriber) throw new Error('RevocationList already started');
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', (error: unknown) => {
      this.fresh = false;
      this.onError(error);
    });
    subscriber.on('end', () => (this.fresh = false));
    try {
      await subscriber.connect();
      await subscriber.subscribe(this.channel, (message) => {
        const change = parseChange(message);
        if (change) this.apply(change);
      });
      await this.resync();
    } catch (error) {
      await this.stop();
      throw error;
    }
    // Registered after the first connect: from here on 'ready' means a reconnect, after which messages may be lost.
    subscriber.on('ready', () => void this.resync().catch(this.onError));
    this.timer = setInterval(() => void this.resync().catch(this.onError), this.resyncIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.fresh = false;
    clearInterval(this.timer);
    this.timer = undefined;
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (!subscriber) return;
    // quit() waits for the server's answer, which a server that just died never sends.
    if (subscriber.isReady) await Promise.race([subscriber.quit(), delay(1000, undefined, { ref: false })]).catch(() => undefined);
    if (subscriber.isOpen) await subscriber.disconnect().catch(() => undefined);
  }

  revokeSession(sessionId: string, untilEpochSec: number): Promise<void> {
    return this.write({ kind: 'session', id: sessionId, value: untilEpochSec }, untilEpochSec);
  }

  revokeCredential(accessKey: string, untilEpochSec: number): Promise<void> {
    return this.write({ kind: 'credential', id: accessKey, value: untilEpochSec }, untilEpochSec);
  }

  /** Refuses the user's tokens issued at or before this second; tokens issued later are unaffected. */
  revokeUser(userId: string, untilEpochSec: number): Promise<void> {
    return this.write({ kind: 'user', id: userId, value: nowSec() }, untilEpochSec);
  }

  async restoreUser(userId: string): Promise<void> {
    const change: Change = { kind: 'user', id: userId, value: null };
    await this.redis.del(this.keyOf(change));
    this.apply(change);
    await this.redis.publish(this.channel, JSON.stringify(change));
  }

  /**
   * Throws while the list may be missing revocations (before the first sync, and from a lost
   * subscription until the resync after it): a verifier that cannot know is safer refusing.
   */
  isRevoked(claims: TokenClaims): boolean {
    if (!this.fresh) throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'token revocations are unknown: Redis is unreachable');
    if (this.entries.session.has(claims.session_id)) return true;
    const accessKey = claims.auth.access_key;
    if (accessKey !== undefined && this.entries.credential.has(accessKey)) return true;
    const revokedAt = this.entries.user.get(claims.identity.user);
    return revokedAt !== undefined && claims.iat <= revokedAt;
  }

  /** Rebuilds the in-memory copy from Redis; a request during a scan runs one more, as that scan may predate the reason. */
  private resync(): Promise<void> {
    if (this.resyncing) {
      this.resyncAgain = true;
      return this.resyncing;
    }
    const run = async () => {
      do {
        this.resyncAgain = false;
        await this.scan();
      } while (this.resyncAgain);
      this.fresh = this.subscriber?.isReady === true;
    };
    this.resyncing = run().finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }

  private async scan(): Promise<void> {
    const replay: Change[] = [];
    this.duringResync = replay;
    try {
      const fresh = emptyEntries();
      const keys: string[] = [];
      for await (const key of this.redis.scanIterator({ MATCH: `${escapeGlob(this.prefix)}:*`, COUNT: 1000 })) keys.push(key);
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        const values = await this.redis.mGet(batch);
        batch.forEach((key, j) => {
          const change = this.changeOf(key, values[j]);
          if (change) fresh[change.kind].set(change.id, change.value as number);
        });
      }
      for (const change of replay) applyTo(fresh, change);
      this.entries = fresh;
    } finally {
      this.duringResync = undefined;
    }
  }

  private async write(change: Change, untilEpochSec: number): Promise<void> {
    if (change.id === '') throw new Error(`${change.kind} id must not be empty`);
    if (!Number.isInteger(untilEpochSec)) throw new Error('untilEpochSec must be a whole number of seconds');
    // Nothing to refuse once every token it could cover has expired; Redis would reject the past expiry anyway.
    if (untilEpochSec <= nowSec()) return;
    await this.redis.set(this.keyOf(change), String(change.value), { EXAT: untilEpochSec });
    this.apply(change);
    await this.redis.publish(this.channel, JSON.stringify(change));
  }

  private apply(change: Change): void {
    applyTo(this.entries, change);
    this.duringResync?.push(change);
  }

  private keyOf(change: Change): string {
    return `${this.prefix}:${change.kind}:${change.id}`;
  }

  private changeOf(key: string, value: string | null): Change | undefined {
    const rest = key.slice(this.prefix.length + 1);
    const separator = rest.indexOf(':');
    const kind = rest.slice(0, separator) as Kind;
    const number = Number(value);
    if (separator < 0 || !KINDS.includes(kind) || value === null || !Number.isFinite(number)) return undefined;
    return { kind, id: rest.slice(separator + 1), value: number };
  }
}

function applyTo(entries: Entries, change: Change): void {
  if (change.value === null) entries[change.kind].delete(change.id);
  else entries[change.kind].set(change.id, change.value);
}
