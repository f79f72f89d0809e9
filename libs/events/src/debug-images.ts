import type { estypes } from '@elastic/elasticsearch';
import { WardenError } from '@warden/errors';
import { assertTaskId, indicesFor } from './event-types';
import { elastic } from './elastic-errors';
import { LENIENT_INDICES, stripInternal, taskFilter } from './queries';
import type { MetricVariants } from './scroll-id';
import type { StoreContext } from './store-context';

export interface TaskMetricVariants {
  task: string;
  metric?: string;
  variants?: string[];
}

export interface DebugImagesOptions {
  /** How many iterations per task to answer; ClearML's default is 1. */
  iters?: number;
  /** Latest iterations first (the default), else earliest first. */
  navigate_earlier?: boolean;
  /** Start again from the latest (or earliest) iterations, ignoring scroll_id. */
  refresh?: boolean;
  scroll_id?: string;
}

export interface DebugImagesResult {
  scroll_id: string;
  metrics: Array<{ task: string; iterations: Array<{ iter: number; events: Record<string, unknown>[] }> }>;
}

/** Where each task's paging stands: the last iteration answered. Opaque to the client, and grants nothing. */
interface DebugImagesScroll {
  v: 1;
  navigate_earlier: boolean;
  after: Record<string, number>;
}

const MAX_ITERS = 100;
const MAX_EVENTS_PER_ITER = 100;
const MAX_TASKS = 100;
const MAX_SCROLL_ID_LENGTH = 16_384;

function decodeScroll(scrollId: string, navigateEarlier: boolean): DebugImagesScroll {
  const invalid = () => new WardenError('ERR_INVALID_SCROLL_ID', 'invalid scroll id', { scroll_id: scrollId.slice(0, 64) });
  if (scrollId.length > MAX_SCROLL_ID_LENGTH) throw invalid();
  let value: Partial<DebugImagesScroll>;
  try {
    value = JSON.parse(Buffer.from(scrollId, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const after = value?.after;
  const valid = value?.v === 1 && typeof after === 'object' && after !== null && Object.values(after).every((i) => Number.isSafeInteger(i));
  if (!valid || value.navigate_earlier !== navigateEarlier) throw invalid();
  return value as DebugImagesScroll;
}

const encodeScroll = (scroll: DebugImagesScroll) => Buffer.from(JSON.stringify(scroll)).toString('base64url');

/** The requested metrics per task; a task named without a metric asks for all of them. */
function byTask(metrics: TaskMetricVariants[]): Map<string, MetricVariants[] | undefined> {
  const tasks = new Map<string, MetricVariants[] | undefined>();
  for (const { task, metric, variants } of metrics) {
    assertTaskId(task);
    if (metric === undefined) tasks.set(task, undefined);
    else if (!tasks.has(task) || tasks.get(task)) tasks.set(task, [...(tasks.get(task) ?? []), { metric, variants }]);
  }
  if (tasks.size > MAX_TASKS) throw new WardenError('ERR_BAD_REQUEST', `metrics: at most ${MAX_TASKS} tasks`);
  return tasks;
}

type IterBuckets = { buckets: Array<{ key: number; events: { hits: estypes.SearchHitsMetadata<Record<string, unknown>> } }> };

/**
 * events.debug_images (2.14+, as Task.get_debug_samples sends it): per task, the debug image
 * events of its next `iters` iterations, grouped by iteration. Each call continues after the
 * iterations the scroll_id says were answered, so the SDK's loop ends on an empty page.
 */
export async function debugImages(
  ctx: StoreContext,
  company: string,
  metrics: TaskMetricVariants[],
  opts: DebugImagesOptions = {},
): Promise<DebugImagesResult> {
  const navigateEarlier = opts.navigate_earlier ?? true;
  const scroll: DebugImagesScroll =
    opts.scroll_id && !opts.refresh ? decodeScroll(opts.scroll_id, navigateEarlier) : { v: 1, navigate_earlier: navigateEarlier, after: {} };
  const iters = Math.max(1, Math.min(opts.iters ?? 1, MAX_ITERS));
  const order = navigateEarlier ? 'desc' : 'asc';
  const index = indicesFor(ctx.indexPrefix, company, 'training_debug_image');
  const tasks = [...byTask(metrics)];
  const answers = await Promise.all(
    tasks.map(async ([task, wanted]) => {
      const filter = taskFilter(task, wanted);
      const after = scroll.after[task];
      if (after !== undefined) filter.push({ range: { iter: navigateEarlier ? { lt: after } : { gt: after } } });
      const result = await elastic(() =>
        ctx.client.search({
          index,
          ...LENIENT_INDICES,
          size: 0,
          query: { bool: { filter } },
          aggs: {
            iters: {
              terms: { field: 'iter', size: iters, order: { _key: order } },
              aggs: { events: { top_hits: { size: MAX_EVENTS_PER_ITER, sort: [{ metric: 'asc' }, { variant: 'asc' }, { timestamp: 'desc' }] } } },
            },
          },
        }),
      );
      const buckets = (result.aggregations?.iters as IterBuckets | undefined)?.buckets ?? [];
      const iterations = buckets.map((b) => ({ iter: Number(b.key), events: b.events.hits.hits.map((h) => stripInternal(h._source ?? {})) }));
      if (iterations.length > 0) scroll.after[task] = iterations[iterations.length - 1].iter;
      return { task, iterations };
    }),
  );
  return { scroll_id: encodeScroll(scroll), metrics: answers };
}
