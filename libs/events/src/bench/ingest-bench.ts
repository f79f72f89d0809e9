import { randomBytes } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import { EventStore } from '../event-store';
import { eventId } from '../event-id';
import { deletePrefixed, ensureTemplates } from '../mappings';

export interface IngestBenchOptions {
  client: Client;
  events: number;
  batch: number;
}

export interface IngestBenchResult {
  viaStorePerSec: number;
  directBulkPerSec: number;
}

function scalarEvents(count: number, task: string): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, i) => ({
    type: 'training_stats_scalar',
    task,
    metric: `m${i % 10}`,
    variant: `v${i % 3}`,
    iter: i,
    value: Math.sin(i),
    timestamp: 1_700_000_000_000 + i,
  }));
}

/**
 * Writes the same scalar events through EventStore.addBatch and straight to _bulk (already
 * validated documents with their ids), into throwaway indices, and reports events per second for
 * each. Prints nothing; the runner decides how to show the figures.
 */
export async function benchIngest(opts: IngestBenchOptions): Promise<IngestBenchResult> {
  const prefix = `bench${randomBytes(4).toString('hex')}-`;
  const company = 'bench';
  const batch = Math.max(1, opts.batch);
  const events = scalarEvents(opts.events, 'bench-task');
  await ensureTemplates(opts.client, { indexPrefix: prefix });
  try {
    const store = new EventStore(opts.client, { indexPrefix: prefix, maxBatchEvents: batch });
    const viaStoreMs = await timed(async () => {
      for (let i = 0; i < events.length; i += batch) await store.addBatch(company, events.slice(i, i + batch));
    });

    const index = `${prefix}events-training_stats_scalar-direct`;
    const docs = events.map((e) => ({ ...e, event_id: eventId(e), model_event: false, '@timestamp': new Date().toISOString() }));
    const directMs = await timed(async () => {
      for (let i = 0; i < docs.length; i += batch) {
        const operations: Array<estypes.BulkOperationContainer | Record<string, unknown>> = [];
        for (const doc of docs.slice(i, i + batch)) operations.push({ index: { _index: index, _id: doc.event_id } }, doc);
        const response = await opts.client.bulk({ operations });
        if (response.errors) throw new Error('direct _bulk reported item errors');
      }
    });
    return { viaStorePerSec: perSec(events.length, viaStoreMs), directBulkPerSec: perSec(events.length, directMs) };
  } finally {
    await deletePrefixed(opts.client, prefix);
  }
}

async function timed(run: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function perSec(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}
