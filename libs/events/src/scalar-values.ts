import type { estypes } from '@elastic/elasticsearch';
import { assertTaskId, indicesFor } from './event-types';
import { elastic } from './elastic-errors';
import { LENIENT_INDICES, SINGLE_SCALAR_ITERATION, taskFilter } from './queries';
import type { MetricVariants } from './scroll-id';
import { MAX_PAGE, type StoreContext } from './store-context';

export interface SingleValueMetricsResult {
  tasks: Array<{ task: string; values: Array<{ metric: unknown; variant: unknown; value: unknown; timestamp: unknown }> }>;
}

export interface LatestScalarValuesResult {
  metrics: Array<{ name: string; variants: Array<{ name: string; last_value: number | null; last_100_value: number | null }> }>;
}

type Buckets = { buckets: Array<{ key: string } & Record<string, unknown>> };

/**
 * events.get_task_single_value_metrics: the scalars each task reported as single values
 * (Logger.report_single_value, stored at iteration -2^31), for the tasks that have any.
 */
export async function getSingleValueMetrics(
  ctx: StoreContext,
  company: string,
  tasks: string[],
  metrics?: MetricVariants[],
): Promise<SingleValueMetricsResult> {
  tasks.forEach((t) => assertTaskId(t));
  const result = await elastic(() =>
    ctx.client.search<Record<string, unknown>>({
      index: indicesFor(ctx.indexPrefix, company, 'training_stats_scalar'),
      ...LENIENT_INDICES,
      size: MAX_PAGE,
      _source: ['task', 'metric', 'variant', 'value', 'timestamp'],
      query: { bool: { filter: [...taskFilter([...new Set(tasks)], metrics), { term: { iter: SINGLE_SCALAR_ITERATION } }] } },
      sort: [{ metric: 'asc' }, { variant: 'asc' }],
    }),
  );
  const byTask = new Map<string, SingleValueMetricsResult['tasks'][number]['values']>();
  for (const hit of result.hits.hits) {
    const { task, metric, variant, value, timestamp } = hit._source ?? {};
    const values = byTask.get(String(task)) ?? [];
    values.push({ metric, variant, value, timestamp });
    byTask.set(String(task), values);
  }
  return { tasks: [...byTask].map(([task, values]) => ({ task, values })) };
}

/**
 * A task's scalar events grouped by metric, then by variant, both sorted by name, in one query;
 * `perVariant` adds aggregations inside each variant bucket.
 */
async function metricVariantBuckets(
  ctx: StoreContext,
  company: string,
  task: string,
  sizes: { metrics: number; variants: number },
  perVariant?: Record<string, estypes.AggregationsAggregationContainer>,
): Promise<Buckets['buckets']> {
  assertTaskId(task);
  const result = await elastic(() =>
    ctx.client.search({
      index: indicesFor(ctx.indexPrefix, company, 'training_stats_scalar'),
      ...LENIENT_INDICES,
      size: 0,
      query: { bool: { filter: taskFilter(task) } },
      aggs: {
        metrics: {
          terms: { field: 'metric', size: sizes.metrics, order: { _key: 'asc' } },
          aggs: { variants: { terms: { field: 'variant', size: sizes.variants, order: { _key: 'asc' } }, ...(perVariant && { aggs: perVariant }) } },
        },
      },
    }),
  );
  return (result.aggregations?.metrics as Buckets | undefined)?.buckets ?? [];
}

/**
 * events.get_task_latest_scalar_values: per metric and variant, the value at the latest iteration.
 * ClearML's last_100_value is, in effect, that same value (the first of its latest ten).
 */
export async function getLatestScalarValues(ctx: StoreContext, company: string, task: string): Promise<LatestScalarValuesResult> {
  const buckets = await metricVariantBuckets(
    ctx,
    company,
    task,
    { metrics: 100, variants: 50 },
    {
      last: { top_hits: { size: 1, _source: ['value'], sort: [{ iter: { order: 'desc', unmapped_type: 'long' } }] } },
    },
  );
  const metrics = buckets.map((m) => ({
    name: String(m.key),
    variants: (m.variants as Buckets).buckets.map((v) => {
      const hit = (v.last as { hits: estypes.SearchHitsMetadata<{ value?: number }> }).hits.hits[0];
      const value = typeof hit?._source?.value === 'number' ? hit._source.value : null;
      return { name: String(v.key), last_value: value, last_100_value: value };
    }),
  }));
  return { metrics };
}

/**
 * events.get_scalar_metrics_and_variants: each scalar metric of one task (or model) with its variants,
 * single values ("Summary") included, as clearml-server answers it: {metric: [variant]}.
 */
export async function getScalarMetricsAndVariants(ctx: StoreContext, company: string, task: string): Promise<{ metrics: Record<string, string[]> }> {
  const buckets = await metricVariantBuckets(ctx, company, task, { metrics: 8000, variants: 1000 });
  return { metrics: Object.fromEntries(buckets.map((m) => [String(m.key), (m.variants as Buckets).buckets.map((v) => String(v.key))])) };
}
