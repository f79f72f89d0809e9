import type { AnyBulkWriteOperation, Model } from 'mongoose';
import type { CredentialDoc } from './models';

interface Use {
  at: Date;
  from?: string;
}

/**
 * Every authenticated API call marks its credential as used. Writing that per call would cost a
 * Mongo round trip per request, so the latest use per key is kept and written in one bulkWrite
 * at most once per interval.
 */
export class LastUsedBatcher {
  private pending = new Map<string, Use>();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly credentials: Model<CredentialDoc>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  note(accessKey: string, use: Use): void {
    this.pending.set(accessKey, use);
    this.schedule();
  }

  /** Writes are serialised so an older batch never lands after a newer one. */
  flush(): Promise<void> {
    const run = this.chain.then(() => this.write());
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(this.onError);
    }, this.intervalMs);
    this.timer.unref();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const operations: AnyBulkWriteOperation<CredentialDoc>[] = [...batch].map(([accessKey, use]) => ({
      updateOne: {
        filter: { _id: accessKey },
        update: use.from ? { $set: { last_used: use.at, last_used_from: use.from } } : { $set: { last_used: use.at }, $unset: { last_used_from: 1 } },
      },
    }));
    try {
      await this.credentials.bulkWrite(operations, { ordered: false });
    } catch (error) {
      // Keep the uses for the next attempt unless a newer one has arrived meanwhile.
      for (const [accessKey, use] of batch) if (!this.pending.has(accessKey)) this.pending.set(accessKey, use);
      this.schedule();
      throw error;
    }
  }
}
