import type { estypes } from '@elastic/elasticsearch';
import { WardenError } from '@warden/errors';
import { BatchStats, type EntityReport } from './batch-stats';
import { assertCompanyId, indexName } from './event-types';
import { isRetryableStatus, isUnavailable } from './elastic-errors';
import { compressPlot } from './plot-compression';
import type { StoreContext } from './store-context';
import { validateEvent, type EventDocument, type ValidateOptions } from './validate-event';

export interface AddBatchOptions {
  maxBatchEvents: number;
  maxEventBytes: number;
  plotCompressionThreshold: number;
  worker?: string;
  allowedTasks?: ReadonlySet<string>;
  allowedModels?: ReadonlySet<string>;
  /** Runs before the first write (index templates), so refused batches never reach Elasticsearch. */
  beforeWrite?: () => Promise<void>;
}

export interface AddBatchResult {
  added: number;
  errors: number;
  /** Counts per reason, keyed by ClearML's messages ("Invalid event type x", ...). */
  errors_info: Record<string, number>;
}

/** The answer, and what the stored events say about each task and model (for last_metrics). */
export interface AddBatchOutcome {
  result: AddBatchResult;
  reports: EntityReport[];
}

// Bounds each _bulk request body, as ClearML's streaming_bulk chunk_size does.
const BULK_CHUNK = 500;
const UNAVAILABLE = 'Events store unavailable, not stored';
const CREATED = 201;
// Only what is read back: the full per-item answer is most of the response, to build and to parse.
export const BULK_RESPONSE_FIELDS = ['errors', 'items.*.status', 'items.*.error.type'];

export async function addBatch(ctx: StoreContext, company: string, events: unknown[], opts: AddBatchOptions): Promise<AddBatchOutcome> {
  assertCompanyId(company);
  if (events.length === 0) throw new WardenError('ERR_BATCH_EMPTY');
  if (events.length > opts.maxBatchEvents) {
    throw new WardenError('ERR_EVENTS_BATCH_TOO_LARGE', `events batch exceeds the limit of ${opts.maxBatchEvents} events`, {
      limit: opts.maxBatchEvents,
      received: events.length,
    });
  }

  const errorsInfo: Record<string, number> = {};
  const count = (reason: string, n = 1) => (errorsInfo[reason] = (errorsInfo[reason] ?? 0) + n);
  const validateOpts: ValidateOptions = {
    maxEventBytes: opts.maxEventBytes,
    worker: opts.worker,
    allowedTasks: opts.allowedTasks,
    allowedModels: opts.allowedModels,
  };
  const operations: estypes.BulkOperationContainer[] = [];
  const documents: EventDocument[] = [];
  const labels: Array<string | undefined> = [];
  for (const raw of events) {
    const result = validateEvent(raw, validateOpts);
    if (!result.ok) {
      count(result.error);
      continue;
    }
    if (result.doc.type === 'plot') compressPlot(result.doc, opts.plotCompressionThreshold);
    // `index` (not `create`): a re-sent scalar overwrites itself, so it is stored exactly once.
    operations.push({ index: { _index: indexName(ctx.indexPrefix, company, result.doc.type), _id: result.id } });
    documents.push(result.doc);
    labels.push(result.xAxisLabel);
  }

  if (documents.length === 0) throw new WardenError('ERR_EVENTS_NOT_ADDED', 'events not added', { errors_info: errorsInfo });
  await opts.beforeWrite?.();

  let added = 0;
  let retryableFailures = 0;
  const stats = new BatchStats();
  for (let start = 0; start < documents.length; start += BULK_CHUNK) {
    const end = Math.min(start + BULK_CHUNK, documents.length);
    const chunk = await bulkChunk(ctx, operations.slice(start, end), documents.slice(start, end));
    if (chunk === 'unavailable') {
      // Nothing stored yet: the client must retry the whole batch. Otherwise report exactly what
      // was stored, so logs (appended, not overwritten) are not duplicated by a retry.
      if (added === 0) throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'events store (Elasticsearch) is unavailable');
      count(UNAVAILABLE, documents.length - start);
      break;
    }
    added += chunk.added;
    retryableFailures += chunk.retryable;
    chunk.statuses.forEach((status, i) => status < 300 && stats.add(documents[start + i], status === CREATED, labels[start + i]));
    for (const [reason, n] of Object.entries(chunk.failures)) count(reason, n);
  }

  if (added === 0 && retryableFailures > 0) throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'events store (Elasticsearch) rejected the batch');
  if (added === 0) throw new WardenError('ERR_EVENTS_NOT_ADDED', 'events not added', { errors_info: errorsInfo });
  const errors = Object.values(errorsInfo).reduce((a, b) => a + b, 0);
  return { result: { added, errors, errors_info: errorsInfo }, reports: stats.reports() };
}

interface ChunkResult {
  added: number;
  /** Per item: 201 stored for the first time, 200 overwrote the same event, else failed. */
  statuses: number[];
  retryable: number;
  failures: Record<string, number>;
}

async function bulkChunk(ctx: StoreContext, actions: estypes.BulkOperationContainer[], docs: EventDocument[]): Promise<ChunkResult | 'unavailable'> {
  let response: estypes.BulkResponse;
  try {
    // Refreshed before the answer, as clearml-server's add_batch does: a script that reads its
    // scalars right after Task.flush() sees them all, and a reset or delete that follows finds them.
    const operations = actions.flatMap((a, i) => [a, docs[i]]);
    response = await ctx.client.bulk({ operations, refresh: true, filter_path: BULK_RESPONSE_FIELDS });
  } catch (error) {
    if (isUnavailable(error)) return 'unavailable';
    throw error;
  }
  const result: ChunkResult = { added: 0, statuses: [], retryable: 0, failures: {} };
  for (const item of response.items) {
    const outcome = item.index;
    if (outcome && !outcome.error && outcome.status < 300) {
      result.added++;
      result.statuses.push(outcome.status);
      continue;
    }
    const status = outcome?.status ?? 500;
    result.statuses.push(Math.max(status, 300));
    if (isRetryableStatus(status)) result.retryable++;
    const reason = `Error when indexing events batch (${outcome?.error?.type ?? status})`;
    result.failures[reason] = (result.failures[reason] ?? 0) + 1;
  }
  return result;
}
