import type { estypes } from '@elastic/elasticsearch';
import { assertTaskId, indicesFor, type EventTypeOrAll } from './event-types';
import { elastic } from './elastic-errors';
import { uncompressPlot } from './plot-compression';
import { LENIENT_INDICES, stripInternal, taskFilter } from './queries';
import { decodeScrollId, encodeScrollId, type MetricVariants, type TaskEventsScroll } from './scroll-id';
import { clampBatch, type StoreContext } from './store-context';

export interface TaskEventsOptions {
  event_type?: EventTypeOrAll;
  metrics?: MetricVariants[];
  batch_size?: number;
  scroll_id?: string;
  order?: 'asc' | 'desc';
  count_total?: boolean;
}

export interface TaskEventsResult {
  events: Record<string, unknown>[];
  returned: number;
  total: number | null;
  scroll_id: string;
}

// Events without an iteration (logs) sort after every real one in both directions; a custom
// `missing` keeps the sort value JSON-safe, where `_last` would hand back Long.MAX_VALUE.
const MISSING_ITER = Number.MAX_SAFE_INTEGER;

function sortFor(order: 'asc' | 'desc'): estypes.SortCombinations[] {
  return [
    { iter: { order, missing: order === 'asc' ? MISSING_ITER : -MISSING_ITER, unmapped_type: 'long' } },
    { timestamp: { order, unmapped_type: 'date' } },
    { event_id: { order, unmapped_type: 'keyword' } },
  ];
}

/**
 * events.get_task_events: the task's events ordered by iteration, paged with search_after. The
 * scroll_id carries the request and the last sort values, so no ES scroll context is held open.
 */
export async function getTaskEvents(ctx: StoreContext, company: string, task: string, opts: TaskEventsOptions = {}): Promise<TaskEventsResult> {
  assertTaskId(task);
  const scroll: TaskEventsScroll = opts.scroll_id
    ? decodeScrollId(opts.scroll_id, task)
    : { task, event_type: opts.event_type ?? '*', order: opts.order ?? 'asc', metrics: opts.metrics ?? [], total: null, after: [] };
  const searchAfter = scroll.after;
  if (searchAfter === null) return { events: [], returned: 0, total: scroll.total, scroll_id: opts.scroll_id ?? encodeScrollId(scroll) };

  const index = indicesFor(ctx.indexPrefix, company, scroll.event_type);
  const query = { bool: { filter: taskFilter(task, scroll.metrics) } };
  const size = clampBatch(opts.batch_size, 500);
  if (scroll.total === null && (opts.count_total ?? true)) {
    const counted = await elastic(() => ctx.client.count({ index, ...LENIENT_INDICES, query }));
    scroll.total = counted.count;
  }

  const result = await elastic(() =>
    ctx.client.search<Record<string, unknown>>({
      index,
      ...LENIENT_INDICES,
      size,
      track_total_hits: false,
      query,
      sort: sortFor(scroll.order),
      ...(searchAfter.length > 0 ? { search_after: searchAfter } : {}),
    }),
  );
  const hits = result.hits.hits;
  const events = hits.map((h) => stripInternal(h._source ?? {}));
  for (const event of events) if (event.type === 'plot') uncompressPlot(event);
  const after = hits.length < size ? null : ((hits[hits.length - 1].sort ?? null) as Array<string | number> | null);
  return { events, returned: events.length, total: scroll.total, scroll_id: encodeScrollId({ ...scroll, after }) };
}
