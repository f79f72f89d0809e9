import { randomBytes } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import { BULK_RESPONSE_FIELDS } from '../add-batch';
import { EventStore } from '../event-store';
import { deletePrefixed, ensureTemplates } from '../mappings';
import { validateEvent } from '../validate-event';

export interface IngestBenchOptions {
  client: Client;
  events: number;
  batch: number;
}

export interface IngestBenchResult {
  viaStorePerSec: number;
  directBulkPerSec: number;
}

/** Scalar events as the ClearML SDK reports them, `count` of them from iteration `firstIter`. */
export function scalarEvents(count: number, task: string, firstIter = 0): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: 1_700_000_000_000 + firstIter + i,
    type: 'training_stats_scalar',
    task,
    iter: firstIter + i,
    metric: `m${i % 10}`,
    variant: `v${i % 3}`,
    value: Math.sin(i),
    allow_locked: false,
    model_event: false,
  }));
}

export interface StoredDocument {
  id: string;
  doc: Record<string, unknown>;
}

/** The documents and ids EventStore.addBatch would write for these events, for a baseline that skips it. */
export function storedDocuments(events: Array<Record<string, unknown>>): StoredDocument[] {
  return events.map((event) => {
    const result = validateEvent(event, { maxEventBytes: 1024 * 1024 });
    if (!result.ok) throw new Error(`bench event refused: ${result.error}`);
    return { id: result.id, doc: result.doc };
  });
}

/**
 * One _bulk request straight from the client, as the baseline for any ingest path: refreshed, as
 * add_batch (Warden's and clearml-server's) is, so both make the events searchable before answering.
 */
export async function bulkIndex(client: Client, index: string, docs: StoredDocument[]): Promise<void> {
  const operations: Array<estypes.BulkOperationContainer | Record<string, unknown>> = [];
  for (const { id, doc } of docs) operations.push({ index: { _index: index, _id: id } }, doc);
  const response = await client.bulk({ operations, refresh: true, filter_path: BULK_RESPONSE_FIELDS });
  if (response.errors) throw new Error('direct _bulk reported item errors');
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
    const docs = storedDocuments(events);
    const directMs = await timed(async () => {
      for (let i = 0; i < docs.length; i += batch) await bulkIndex(opts.client, index, docs.slice(i, i + batch));
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
