import { randomUUID } from 'node:crypto';
import type { RedisClientType } from 'redis';
import type { Revocation, RevocationRecord } from './revocation-record';

const BATCH = 1000;

export const revocationKey = (prefix: string, r: Pick<Revocation, 'kind' | 'id'>): string => `${prefix}:${r.kind}:${r.id}`;
export const generationKey = (prefix: string): string => `${prefix}:generation`;

/**
 * The gateway's half of the fast path: copies the whole live record into Redis and then sets the
 * generation marker, so a verifier that sees the marker knows Redis holds every revocation. Every
 * gateway replica runs one; republishing is idempotent, so two replicas racing do no harm.
 */
export class RevocationPublisher {
  // Starts dirty: the previous process may have recorded a revocation and died before Redis heard of it.
  private dirtyMarks = 1;

  constructor(
    private readonly redis: RedisClientType,
    private readonly prefix: string,
    private readonly record: RevocationRecord,
  ) {}

  get dirty(): boolean {
    return this.dirtyMarks > 0;
  }

  /** A revocation reached the record but maybe not Redis: the next republish also renews the generation. */
  markDirty(): void {
    this.dirtyMarks++;
  }

  /** Copies the record into Redis; resolves to the generation now in Redis. */
  async republish(): Promise<string | null> {
    const marks = this.dirtyMarks;
    const nowSec = Math.floor(Date.now() / 1000);
    const live = (await this.record.live(nowSec)).filter((r) => r.until > nowSec);
    for (let i = 0; i < live.length; i += BATCH) {
      await Promise.all(live.slice(i, i + BATCH).map((r) => this.redis.set(revocationKey(this.prefix, r), String(r.value), { EXAT: r.until })));
    }
    const generation = randomUUID();
    const key = generationKey(this.prefix);
    // A missing marker is set once (NX), so replicas racing after a Redis restart agree on one
    // generation; after a failed write the generation changes, telling every verifier to re-read.
    const marker = marks > 0 ? await this.redis.set(key, generation) : await this.redis.set(key, generation, { NX: true });
    this.dirtyMarks -= marks;
    return marker === 'OK' ? generation : this.redis.get(key);
  }
}
