import type { estypes } from '@elastic/elasticsearch';
import { assertTaskId, indicesFor } from './event-types';
import { elastic } from './elastic-errors';
import { LENIENT_INDICES, stripInternal, taskFilter } from './queries';
import { type MetricVariants } from './scroll-id';
import { MAX_PAGE, clampBatch, type StoreContext } from './store-context';

// Event ids are hex, so '~' sorts after all of them: continuing after (from_timestamp, '~') ascending,
// or after (from_timestamp, '') descending, skips every event at from_timestamp itself, as ClearML does.
const PAST_EVERY_ID = '~';

export interface TaskLogOptions {
  batch_size?: number;
  navigate_earlier?: boolean;
  from_timestamp?: number;
  order?: 'asc' | 'desc';
  metrics?: MetricVariants[];
}

export interface TaskLogResult {
  events: Record<string, unknown>[];
  returned: number;
  total: number;
}

/**
 * events.get_task_log (2.9+): a batch of log events before (navigate_earlier) or after
 * from_timestamp. Like ClearML, the batch is completed with every event sharing the last
 * timestamp, so a client that continues from that timestamp loses none of them.
 */
export async function getTaskLog(ctx: StoreContext, company: string, task: string, opts: TaskLogOptions = {}): Promise<TaskLogResult> {
  assertTaskId(task);
  const index = indicesFor(ctx.indexPrefix, company, 'log');
  const navigateEarlier = opts.navigate_earlier ?? true;
  const direction = navigateEarlier ? 'desc' : 'asc';
  const size = clampBatch(opts.batch_size, 5000);
  const filter = taskFilter(task, opts.metrics);

  const first = await elastic(() =>
    ctx.client.search<Record<string, unknown>>({
      index,
      ...LENIENT_INDICES,
      size,
      track_total_hits: true,
      query: { bool: { filter } },
      sort: [{ timestamp: { order: direction } }, { event_id: { order: direction, unmapped_type: 'keyword' } }],
      ...(opts.from_timestamp !== undefined ? { search_after: [opts.from_timestamp, navigateEarlier ? '' : PAST_EVERY_ID] } : {}),
    }),
  );
  const hits = first.hits.hits;
  const total = totalOf(first.hits.total);
  const events = hits.map((h) => h._source ?? {});
  if (hits.length === size) {
    const lastTimestamp = hits[hits.length - 1].sort?.[0];
    const seen = new Set(hits.map((h) => h._id));
    const rest = await elastic(() =>
      ctx.client.search<Record<string, unknown>>({
        index,
        ...LENIENT_INDICES,
        size: MAX_PAGE,
        query: { bool: { filter: [...filter, { term: { timestamp: lastTimestamp as number } }] } },
      }),
    );
    for (const hit of rest.hits.hits) if (!seen.has(hit._id)) events.push(hit._source ?? {});
  }

  const reverse = opts.order !== undefined && (navigateEarlier ? opts.order === 'asc' : opts.order === 'desc');
  if (reverse) events.reverse();
  return { events: events.map(stripInternal), returned: events.length, total };
}

export function totalOf(total: number | estypes.SearchTotalHits | undefined): number {
  if (total === undefined) return 0;
  return typeof total === 'number' ? total : total.value;
}
