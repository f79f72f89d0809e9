import { setTimeout as delay } from 'node:timers/promises';
import type { RedisClientType } from 'redis';
import { WardenError } from '@warden/errors';
import { familyOf, type TokenClaims } from './claims';
import { RevocationPublisher, generationKey, revocationKey } from './revocation-publisher';
import { REVOCATION_KINDS, type RevocationKind, type RevocationRecord } from './revocation-record';
import type { RevocationChecker } from './token-verifier';

export interface RevocationListOptions {
  redis: RedisClientType;
  channelPrefix?: string;
  /** A full re-read of Redis, for messages missed without a disconnect. */
  resyncIntervalMs?: number;
  /** How often the generation marker is read while the list is complete, and while it is not. */
  pollIntervalMs?: number;
  incompletePollIntervalMs?: number;
  /** How long the last complete list keeps serving once it can no longer be known current. */
  maxStalenessMs?: number;
  /**
   * The durable record (the gateway's): each revocation is saved there before Redis hears of it, and
   * this list republishes the record into Redis whenever the generation marker is missing.
   */
  record?: RevocationRecord;
  /**
   * Each change heard on the channel (this process's own included): for what a process caches about
   * the revoked user or key (the gateway's credential cache), so that another replica's revocation
   * holds here at once rather than when the cache entry expires.
   */
  onChange?: (change: { kind: RevocationKind; id: string }) => void;
  onError?: (error: unknown) => void;
  now?: () => number;
}

/** One change as published; value as in Revocation. */
interface Change {
  kind: RevocationKind;
  id: string;
  value: number;
}

type Entries = Record<RevocationKind, Map<string, number>>;

const emptyEntries = (): Entries => ({ family: new Map(), credential: new Map(), user: new Map() });
const nowSec = (): number => Math.floor(Date.now() / 1000);
const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

function parseChange(message: string): Change | undefined {
  try {
    const change = JSON.parse(message) as Change;
    if (!REVOCATION_KINDS.includes(change.kind) || typeof change.id !== 'string') return undefined;
    return Number.isFinite(change.value) ? change : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The deny-list every service consults on every request. Redis carries it (keys expiring when the
 * revoked tokens would have anyway) under a generation marker the gateway sets only once Redis holds
 * the whole record; each process keeps a copy in memory, fed by pub/sub, and re-reads Redis when the
 * generation changes or it reconnects. The copy counts as complete only while subscribed and the
 * marker it was read under is present; after that it serves for maxStalenessMs, then refuses.
 */
export class RevocationList implements RevocationChecker {
  private readonly redis: RedisClientType;
  private readonly prefix: string;
  private readonly channel: string;
  private readonly marker: string;
  private readonly resyncIntervalMs: number;
  private readonly pollIntervalMs: number;
  private readonly incompletePollIntervalMs: number;
  private readonly maxStalenessMs: number;
  private readonly record?: RevocationRecord;
  private readonly publisher?: RevocationPublisher;
  private readonly onChange?: (change: { kind: RevocationKind; id: string }) => void;
  private readonly onError: (error: unknown) => void;
  private readonly now: () => number;
  private entries = emptyEntries();
  // Changes seen while a resync is scanning; replayed onto its result so the scan cannot undo them.
  private duringResync?: Change[];
  private subscriber?: RedisClientType;
  private resyncTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private resyncing?: Promise<void>;
  private resyncAgain = false;
  private generation?: string;
  private complete = false;
  // When the list stopped being complete; undefined while it never was (or is stopped): it refuses.
  private staleSince?: number;

  constructor(options: RevocationListOptions) {
    this.redis = options.redis;
    this.prefix = options.channelPrefix ?? 'warden:revocation';
    this.channel = `${this.prefix}:changes`;
    this.marker = generationKey(this.prefix);
    this.resyncIntervalMs = options.resyncIntervalMs ?? 30_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.incompletePollIntervalMs = options.incompletePollIntervalMs ?? 250;
    this.maxStalenessMs = options.maxStalenessMs ?? 30_000;
    this.record = options.record;
    this.publisher = options.record && new RevocationPublisher(this.redis, this.prefix, options.record);
    this.onChange = options.onChange;
    this.onError = options.onError ?? ((error) => process.emitWarning(`revocation list: ${error instanceof Error ? error.message : String(error)}`));
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    if (this.subscriber) throw new Error('RevocationList already started');
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', (error: unknown) => {
      this.markIncomplete();
      this.onError(error);
    });
    subscriber.on('end', () => this.markIncomplete());
    try {
      await subscriber.connect();
      await subscriber.subscribe(this.channel, (message) => {
        const change = parseChange(message);
        if (!change) return;
        this.apply(change);
        this.onChange?.({ kind: change.kind, id: change.id });
      });
      await this.poll();
    } catch (error) {
      await this.stop();
      throw error;
    }
    // Registered after the first connect: from here on 'ready' means a reconnect, after which messages may be lost.
    subscriber.on('ready', () => this.schedulePoll(0));
    this.resyncTimer = setInterval(() => void this.resync().catch(this.onError), this.resyncIntervalMs);
    this.resyncTimer.unref();
    this.schedulePoll(this.complete ? this.pollIntervalMs : this.incompletePollIntervalMs);
  }

  async stop(): Promise<void> {
    this.complete = false;
    this.staleSince = undefined;
    clearInterval(this.resyncTimer);
    clearTimeout(this.pollTimer);
    this.resyncTimer = undefined;
    this.pollTimer = undefined;
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (!subscriber) return;
    // quit() waits for the server's answer, which a server that just died never sends.
    if (subscriber.isReady) await Promise.race([subscriber.quit(), delay(1000, undefined, { ref: false })]).catch(() => undefined);
    if (subscriber.isOpen) await subscriber.disconnect().catch(() => undefined);
  }

  /** Refuses every token of the family until the given time. */
  revokeFamily(familyId: string, untilEpochSec: number): Promise<void> {
    return this.write({ kind: 'family', id: familyId, value: untilEpochSec }, untilEpochSec);
  }

  /** Refuses the tokens of logins made with this key up to now; kept until untilEpochSec. */
  revokeCredential(accessKey: string, untilEpochSec: number): Promise<void> {
    return this.write({ kind: 'credential', id: accessKey, value: nowSec() }, untilEpochSec);
  }

  /** Refuses the user's tokens of logins made at or before this second; later logins are unaffected. */
  revokeUser(userId: string, untilEpochSec: number): Promise<void> {
    return this.write({ kind: 'user', id: userId, value: nowSec() }, untilEpochSec);
  }

  /** Throws while the list cannot be known current, once the last complete one is too old to trust. */
  assertUsable(): void {
    if (!this.complete && (this.staleSince === undefined || this.now() - this.staleSince > this.maxStalenessMs)) {
      throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'token revocations are unknown: Redis is unreachable or not yet rebuilt');
    }
  }

  /** Throws as assertUsable does: a token is never taken on an unknown list. */
  isRevoked(claims: TokenClaims): boolean {
    this.assertUsable();
    const family = familyOf(claims);
    if (this.entries.family.has(family.id)) return true;
    // Renewals keep the family's login time, so a renewal cannot outlive what ended its login.
    const refusedUpTo = (value: number | undefined) => value !== undefined && family.startedAt <= value;
    const accessKey = claims.auth.access_key;
    if (accessKey !== undefined && refusedUpTo(this.entries.credential.get(accessKey))) return true;
    return refusedUpTo(this.entries.user.get(claims.identity.user));
  }

  private markIncomplete(): void {
    if (!this.complete) return;
    this.complete = false;
    this.staleSince = this.now();
  }

  private schedulePoll(delayMs: number): void {
    if (!this.subscriber) return;
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => {
      this.poll()
        .catch((error: unknown) => {
          this.markIncomplete();
          this.onError(error);
        })
        .finally(() => this.schedulePoll(this.complete ? this.pollIntervalMs : this.incompletePollIntervalMs));
    }, delayMs);
    this.pollTimer.unref();
  }

  /** Reads the marker: republishes the record when it is missing (gateway), re-reads Redis when it changed. */
  private async poll(): Promise<void> {
    if (!this.redis.isReady || !this.subscriber?.isReady) return this.markIncomplete();
    let generation = await this.redis.get(this.marker);
    if (this.publisher && (generation === null || this.publisher.dirty)) generation = await this.publisher.republish();
    if (generation === null) return this.markIncomplete();
    if (!this.complete || generation !== this.generation) await this.resync();
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
    };
    this.resyncing = run().finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }

  /** Adopts what Redis holds only under one generation marker, present before and after the scan. */
  private async scan(): Promise<void> {
    const generation = await this.redis.get(this.marker);
    if (generation === null) return this.markIncomplete();
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
          if (change) fresh[change.kind].set(change.id, change.value);
        });
      }
      if ((await this.redis.get(this.marker)) !== generation) {
        this.resyncAgain = true;
        return;
      }
      for (const change of replay) applyTo(fresh, change);
      this.entries = fresh;
      this.generation = generation;
      if (this.subscriber?.isReady) {
        this.complete = true;
        this.staleSince = undefined;
      }
    } finally {
      this.duringResync = undefined;
    }
  }

  private async write(change: Change, untilEpochSec: number): Promise<void> {
    if (change.id === '') throw new Error(`${change.kind} id must not be empty`);
    if (!Number.isInteger(untilEpochSec)) throw new Error('untilEpochSec must be a whole number of seconds');
    // Nothing to refuse once every token it could cover has expired; Redis would reject the past expiry anyway.
    if (untilEpochSec <= nowSec()) return;
    await this.record?.save({ ...change, until: untilEpochSec });
    this.apply(change);
    try {
      await this.redis.set(revocationKey(this.prefix, change), String(change.value), { EXAT: untilEpochSec });
      await this.redis.publish(this.channel, JSON.stringify(change));
    } catch (error) {
      // Recorded but maybe not in Redis: republished, under a new generation, as soon as Redis answers.
      this.publisher?.markDirty();
      throw error;
    }
  }

  private apply(change: Change): void {
    applyTo(this.entries, change);
    this.duringResync?.push(change);
  }

  private changeOf(key: string, value: string | null): Change | undefined {
    const rest = key.slice(this.prefix.length + 1);
    const separator = rest.indexOf(':');
    const kind = rest.slice(0, separator) as RevocationKind;
    const number = Number(value);
    if (separator < 0 || !REVOCATION_KINDS.includes(kind) || value === null || !Number.isFinite(number)) return undefined;
    return { kind, id: rest.slice(separator + 1), value: number };
  }
}

function applyTo(entries: Entries, change: Change): void {
  // A user or key revoked twice keeps the later time: it refuses more.
  const current = entries[change.kind].get(change.id);
  entries[change.kind].set(change.id, current === undefined ? change.value : Math.max(current, change.value));
}
