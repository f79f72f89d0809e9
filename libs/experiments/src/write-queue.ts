import type { Schema } from 'mongoose';

/**
 * Writes to one document, one at a time, within this process.
 *
 * MongoDB applies each update to a document atomically. The MongoDB-wire stand-in (FerretDB 1.x)
 * reads the document, changes it and writes it back whole, without isolation, so of two concurrent
 * updates of one document one is lost: 24 concurrent `$inc` counted 2, and a dataset's
 * `tasks.completed` racing the background `last_metrics` update of the same task came back
 * `in_progress`. Queuing the writes here makes one apiserver process correct on both stores;
 * replicas of the apiserver need MongoDB itself (README).
 *
 * A write naming one `_id` waits for earlier writes to that id; any other write (updateMany by
 * parent, …) waits for every earlier write, and every later write waits for it.
 */
export class WriteQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private all: Promise<unknown> = Promise.resolve();

  /** Resolves once the write may start; call the returned function when it has ended. */
  async acquire(id: string | undefined): Promise<() => void> {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    if (id === undefined) {
      const before = Promise.all([this.all, ...this.tails.values()]);
      this.all = before.then(() => done);
      await before;
      return release;
    }
    const before = Promise.all([this.all, this.tails.get(id)]);
    const tail = before.then(() => done);
    this.tails.set(id, tail);
    void tail.then(() => {
      if (this.tails.get(id) === tail) this.tails.delete(id);
    });
    await before;
    return release;
  }
}

const WRITES = /^(updateOne|updateMany|findOneAndUpdate|replaceOne|deleteOne|deleteMany|findOneAndDelete)$/;
const QUERIES = { query: true, document: false } as const;
const RELEASE = Symbol('release write');
type Releasable = { [RELEASE]?: () => void; getFilter(): Record<string, unknown> };

function release(query: Releasable): void {
  query[RELEASE]?.();
  delete query[RELEASE];
}

/** Queues this schema's query writes per document id (see WriteQueue). */
export function serializeWrites(schema: Schema): void {
  const queue = new WriteQueue();
  schema.pre(WRITES, QUERIES, async function (this: Releasable) {
    const id = this.getFilter()._id;
    this[RELEASE] = await queue.acquire(typeof id === 'string' ? id : undefined);
  });
  schema.post(WRITES, QUERIES, function (this: Releasable) {
    release(this);
  });
  schema.post(WRITES, { ...QUERIES, errorHandler: true }, function (this: Releasable, error: Error, _result: unknown, next: (error?: Error) => void) {
    release(this);
    next(error);
  });
}
