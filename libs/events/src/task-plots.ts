import type { estypes } from '@elastic/elasticsearch';
import { assertTaskId, indicesFor } from './event-types';
import { elastic } from './elastic-errors';
import { uncompressPlot } from './plot-compression';
import { LENIENT_INDICES, stripInternal, taskFilter } from './queries';
import type { MetricVariants } from './scroll-id';
import type { StoreContext } from './store-context';

export interface TaskPlotsOptions {
  /** How many of the latest iterations to answer per metric and variant; 1 by default. */
  iters?: number;
  metrics?: MetricVariants[];
}

export interface TaskPlotsResult {
  plots: Record<string, unknown>[];
  returned: number;
  total: number;
}

// ClearML's bounds: 100 metrics x 50 variants; iterations per series up to Elasticsearch's
// default index.max_inner_result_window.
const MAX_METRICS = 100;
const MAX_VARIANTS = 50;
export const MAX_ITERS = 100;

type Buckets = { buckets: Array<{ key: string } & Record<string, unknown>> };

/**
 * events.get_task_plots: each metric and variant's plots of its `iters` latest iterations, newest
 * first, plot_str decompressed as ClearML answers it. One request: terms over metric and variant,
 * the latest events of each by top_hits.
 */
export async function getTaskPlots(ctx: StoreContext, company: string, task: string, opts: TaskPlotsOptions = {}): Promise<TaskPlotsResult> {
  assertTaskId(task);
  const iters = Math.max(1, Math.min(opts.iters ?? 1, MAX_ITERS));
  const sort: estypes.SortCombinations[] = [{ iter: { order: 'desc', unmapped_type: 'long' } }, { timestamp: { order: 'desc', unmapped_type: 'date' } }];
  const result = await elastic(() =>
    ctx.client.search({
      index: indicesFor(ctx.indexPrefix, company, 'plot'),
      ...LENIENT_INDICES,
      size: 0,
      query: { bool: { filter: taskFilter(task, opts.metrics) } },
      aggs: {
        metrics: {
          terms: { field: 'metric', size: MAX_METRICS, order: { _key: 'asc' } },
          aggs: {
            variants: {
              terms: { field: 'variant', size: MAX_VARIANTS, order: { _key: 'asc' } },
              aggs: { latest: { top_hits: { size: iters, sort } } },
            },
          },
        },
      },
    }),
  );
  const plots: Record<string, unknown>[] = [];
  for (const metric of (result.aggregations?.metrics as Buckets | undefined)?.buckets ?? []) {
    for (const variant of (metric.variants as Buckets).buckets) {
      for (const hit of (variant.latest as { hits: estypes.SearchHitsMetadata<Record<string, unknown>> }).hits.hits) {
        const event = stripInternal(hit._source ?? {});
        uncompressPlot(event);
        plots.push(event);
      }
    }
  }
  return { plots, returned: plots.length, total: plots.length };
}
