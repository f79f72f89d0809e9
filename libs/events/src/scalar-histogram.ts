import type { estypes } from '@elastic/elasticsearch';
import { WardenError } from '@warden/errors';
import { assertTaskId, indicesFor } from './event-types';
import { elastic } from './elastic-errors';
import { LENIENT_INDICES, SINGLE_SCALAR_ITERATION, taskFilter } from './queries';
import type { MetricVariants } from './scroll-id';
import type { StoreContext } from './store-context';

export type ScalarKey = 'iter' | 'timestamp' | 'iso_time';

export interface HistogramOptions {
  samples?: number;
  key?: ScalarKey;
  metrics?: MetricVariants[];
}

export type ScalarHistogram = Record<string, Record<string, { name: string; x: Array<number | string>; y: Array<number | null> }>>;

// ClearML's limits: at most 100 metrics x 50 variants, 6000 buckets and 50 series per query.
const MAX_METRICS = 100;
const MAX_VARIANTS = 50;
const MAX_GROUP_BUCKETS = 6000;
const MAX_GROUP_SERIES = 50;

interface Series {
  metric: string;
  variant: string;
  min: number;
  interval: number;
  buckets: number;
}

type Bucket = { key: string | number; key_as_string?: string; doc_count: number } & Record<string, unknown>;
type Buckets = { buckets: Bucket[] };

const MAX_SAMPLES = 6000;

/**
 * An object keyed by metric or variant names, which are the user's: with no prototype, a name such
 * as "constructor" or "__proto__" is an entry like any other rather than Object's own property.
 */
const byName = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/**
 * events.scalar_metrics_iter_histogram: per metric and variant, the average value in evenly
 * sized x buckets, the bucket size chosen so that no series has more than `samples` points.
 */
export async function scalarMetricsIterHistogram(ctx: StoreContext, company: string, task: string, opts: HistogramOptions = {}): Promise<ScalarHistogram> {
  assertTaskId(task);
  // 0 asks for every point (ClearML's convention), bounded like any other answer.
  const samples = opts.samples === 0 ? MAX_SAMPLES : (opts.samples ?? 2000);
  if (!Number.isInteger(samples) || samples < 1 || samples > MAX_SAMPLES)
    throw new WardenError('ERR_BAD_REQUEST', `samples must be 0 (every point) or an integer between 1 and ${MAX_SAMPLES}`);
  const key = opts.key ?? 'iter';
  const field = key === 'iter' ? 'iter' : 'timestamp';
  const index = indicesFor(ctx.indexPrefix, company, 'training_stats_scalar');
  const filter = [...taskFilter(task, opts.metrics), { range: { iter: { gt: SINGLE_SCALAR_ITERATION } } }];

  const series = await seriesIntervals(ctx, index, filter, field, samples);
  const groups = groupSeries(series);
  const results = await Promise.all(groups.map((group) => groupHistogram(ctx, index, filter, key, group)));

  const histogram = byName<ScalarHistogram[string]>();
  for (const result of results) {
    for (const [metric, variants] of Object.entries(result)) histogram[metric] = Object.assign(histogram[metric] ?? byName(), variants);
  }
  return histogram;
}

async function seriesIntervals(
  ctx: StoreContext,
  index: string[],
  filter: estypes.QueryDslQueryContainer[],
  field: string,
  samples: number,
): Promise<Series[]> {
  const result = await elastic(() =>
    ctx.client.search({
      index,
      ...LENIENT_INDICES,
      size: 0,
      query: { bool: { filter } },
      aggs: {
        metrics: {
          terms: { field: 'metric', size: MAX_METRICS, order: { _key: 'asc' } },
          aggs: {
            variants: {
              terms: { field: 'variant', size: MAX_VARIANTS, order: { _key: 'asc' } },
              aggs: { count: { value_count: { field } }, min: { min: { field } }, max: { max: { field } } },
            },
          },
        },
      },
    }),
  );
  const metrics = (result.aggregations?.metrics as Buckets | undefined)?.buckets ?? [];
  return metrics.flatMap((m) =>
    (m.variants as Buckets).buckets.map((v) => {
      const count = (v.count as { value: number }).value;
      const min = (v.min as { value: number | null }).value ?? 0;
      const max = (v.max as { value: number | null }).value ?? min;
      return { metric: String(m.key), variant: String(v.key), min, ...interval(count, max - min + 1, samples) };
    }),
  );
}

function interval(count: number, range: number, samples: number): { interval: number; buckets: number } {
  if (count < samples) return { interval: 1, buckets: count };
  const size = Math.max(1, Math.ceil(range / samples));
  return { interval: size, buckets: Math.ceil(range / size) };
}

/** Splits the series into requests of bounded size; each series keeps its own interval. */
function groupSeries(series: Series[]): Series[][] {
  const groups: Series[][] = [];
  let group: Series[] = [];
  let buckets = 0;
  for (const s of series) {
    if (group.length > 0 && (buckets + s.buckets > MAX_GROUP_BUCKETS || group.length >= MAX_GROUP_SERIES)) {
      groups.push(group);
      group = [];
      buckets = 0;
    }
    group.push(s);
    buckets += s.buckets;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

// Buckets start at the series' first x rather than at a multiple of the interval: aligned
// buckets would cut the range into one more bucket than `samples` allows.
function histogramOf(key: ScalarKey, s: Series): estypes.AggregationsAggregationContainer {
  const offset = ((s.min % s.interval) + s.interval) % s.interval;
  if (key === 'iter') return { histogram: { field: 'iter', interval: s.interval, offset, min_doc_count: 1 } };
  const format = key === 'iso_time' ? { format: 'strict_date_time' } : {};
  return { date_histogram: { field: 'timestamp', fixed_interval: `${s.interval}ms`, offset: `${offset}ms`, min_doc_count: 1, ...format } };
}

async function groupHistogram(
  ctx: StoreContext,
  index: string[],
  filter: estypes.QueryDslQueryContainer[],
  key: ScalarKey,
  group: Series[],
): Promise<ScalarHistogram> {
  const seriesFilter = (s: Series) => ({ bool: { filter: [{ term: { metric: s.metric } }, { term: { variant: s.variant } }] } });
  const aggs: Record<string, estypes.AggregationsAggregationContainer> = {};
  group.forEach((s, i) => {
    aggs[`s${i}`] = { filter: seriesFilter(s), aggs: { points: { ...histogramOf(key, s), aggs: { avg_val: { avg: { field: 'value' } } } } } };
  });
  const result = await elastic(() =>
    ctx.client.search({
      index,
      ...LENIENT_INDICES,
      size: 0,
      query: { bool: { filter: [...filter, { bool: { should: group.map(seriesFilter), minimum_should_match: 1 } }] } },
      aggs,
    }),
  );

  const out = byName<ScalarHistogram[string]>();
  group.forEach((s, i) => {
    const points = (result.aggregations?.[`s${i}`] as { points: Buckets } | undefined)?.points.buckets ?? [];
    out[s.metric] ??= byName();
    out[s.metric][s.variant] = {
      name: s.variant,
      x: points.map((p) => (key === 'iso_time' ? (p.key_as_string ?? String(p.key)) : Math.trunc(Number(p.key)))),
      y: points.map((p) => (p.avg_val as { value: number | null }).value),
    };
  });
  return out;
}
