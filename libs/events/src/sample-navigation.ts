import type { estypes } from '@elastic/elasticsearch';
import { WardenError } from '@warden/errors';
import { assertTaskId, indicesFor } from './event-types';
import { elastic } from './elastic-errors';
import { uncompressPlot } from './plot-compression';
import { LENIENT_INDICES, stripInternal } from './queries';
import type { StoreContext } from './store-context';

/**
 * The UI's sample viewers: one debug image (a metric/variant at an iteration) or one metric's plots
 * at an iteration, and the step to the next or previous one. What clearml-server keeps in Redis
 * travels here in the scroll_id: where the viewer stands, which grants nothing, since every query
 * is still built from the caller's company and the checked task.
 */
export type SampleKind = 'image' | 'plot';

interface Position {
  v: 1;
  kind: SampleKind;
  task: string;
  metric: string;
  variant: string;
  iter: number;
  current_metric: boolean;
}

export interface SampleRequest {
  metric: string;
  /** Debug images only. */
  variant?: string;
  iteration?: number;
  scroll_id?: string;
  refresh?: boolean;
  navigate_current_metric?: boolean;
}

export interface NextSampleRequest {
  scroll_id: string;
  navigate_earlier?: boolean;
  next_iteration?: boolean;
}

export interface SampleResult {
  scroll_id: string | null;
  event?: Record<string, unknown> | null;
  events?: Record<string, unknown>[];
  min_iteration: number | null;
  max_iteration: number | null;
}

const MAX_SCROLL_ID_LENGTH = 4096;
// A plot sample is one metric's plots of one iteration: its variants.
const MAX_PLOTS_PER_SAMPLE = 100;

const encode = (p: Position) => Buffer.from(JSON.stringify(p)).toString('base64url');

function decode(scrollId: string, kind: SampleKind, task: string): Position {
  const invalid = () => new WardenError('ERR_INVALID_SCROLL_ID', 'invalid scroll id', { scroll_id: scrollId.slice(0, 64) });
  if (scrollId.length > MAX_SCROLL_ID_LENGTH) throw invalid();
  let p: Partial<Position>;
  try {
    p = JSON.parse(Buffer.from(scrollId, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const valid =
    p?.v === 1 &&
    p.kind === kind &&
    p.task === task &&
    typeof p.metric === 'string' &&
    typeof p.variant === 'string' &&
    Number.isSafeInteger(p.iter) &&
    typeof p.current_metric === 'boolean';
  if (!valid) throw invalid();
  return p as Position;
}

const indexOf = (ctx: StoreContext, company: string, kind: SampleKind) =>
  indicesFor(ctx.indexPrefix, company, kind === 'image' ? 'training_debug_image' : 'plot');

/** What a sample is made of: an image has a url; a plot is all of a metric's events at one iteration. */
const present = (kind: SampleKind): estypes.QueryDslQueryContainer => ({ exists: { field: kind === 'image' ? 'url' : 'metric' } });

async function first(ctx: StoreContext, index: string[], filter: estypes.QueryDslQueryContainer[], order: 'asc' | 'desc') {
  const result = await elastic(() =>
    ctx.client.search<Record<string, unknown>>({
      index,
      ...LENIENT_INDICES,
      size: 1,
      query: { bool: { filter } },
      sort: [{ iter: { order, unmapped_type: 'long' } }, { metric: order }, { variant: order }],
    }),
  );
  return result.hits.hits[0]?._source;
}

/** The answer for the sample that `event` starts: its events, the iteration range of its series, and the new position. */
async function answer(ctx: StoreContext, company: string, kind: SampleKind, event: Record<string, unknown>, currentMetric: boolean): Promise<SampleResult> {
  const index = indexOf(ctx, company, kind);
  const position: Position = {
    v: 1,
    kind,
    task: String(event.task),
    metric: String(event.metric),
    variant: kind === 'image' ? String(event.variant) : '',
    iter: Number(event.iter),
    current_metric: currentMetric,
  };
  const series: estypes.QueryDslQueryContainer[] = [{ term: { task: position.task } }, { term: { metric: position.metric } }, present(kind)];
  if (kind === 'image') series.push({ term: { variant: position.variant } });
  const [range, plots] = await Promise.all([
    elastic(() =>
      ctx.client.search({
        index,
        ...LENIENT_INDICES,
        size: 0,
        query: { bool: { filter: series } },
        aggs: { min: { min: { field: 'iter' } }, max: { max: { field: 'iter' } } },
      }),
    ),
    kind === 'plot'
      ? elastic(() =>
          ctx.client.search<Record<string, unknown>>({
            index,
            ...LENIENT_INDICES,
            size: MAX_PLOTS_PER_SAMPLE,
            query: { bool: { filter: [...series, { term: { iter: position.iter } }] } },
            sort: [{ variant: 'asc' }],
          }),
        )
      : undefined,
  ]);
  const bound = (name: string) => (range.aggregations?.[name] as { value: number | null } | undefined)?.value ?? null;
  const result: SampleResult = { scroll_id: encode(position), min_iteration: bound('min'), max_iteration: bound('max') };
  if (!plots) return { ...result, event: stripInternal(event) };
  const events = plots.hits.hits.map((h) => stripInternal(h._source ?? {}));
  for (const e of events) uncompressPlot(e);
  return { ...result, events };
}

/**
 * events.get_debug_image_sample / get_plot_sample: the sample at `iteration` (the latest at or
 * before it), or the latest one.
 */
export async function getSample(ctx: StoreContext, company: string, kind: SampleKind, task: string, request: SampleRequest): Promise<SampleResult> {
  assertTaskId(task);
  const currentMetric = request.navigate_current_metric ?? true;
  if (request.scroll_id && !request.refresh) {
    const p = decode(request.scroll_id, kind, task);
    if (p.current_metric !== currentMetric || (currentMetric && p.metric !== request.metric)) {
      throw new WardenError('ERR_INVALID_SCROLL_ID', 'the task and metric of the scroll id do not match the request', {
        scroll_id: request.scroll_id.slice(0, 64),
      });
    }
  }
  const filter: estypes.QueryDslQueryContainer[] = [{ term: { task } }, { term: { metric: request.metric } }, present(kind)];
  if (kind === 'image') filter.push({ term: { variant: request.variant ?? '' } });
  if (request.iteration !== undefined) filter.push({ range: { iter: { lte: request.iteration } } });
  const event = await first(ctx, indexOf(ctx, company, kind), filter, 'desc');
  if (!event)
    return { scroll_id: request.scroll_id ?? null, ...(kind === 'image' ? { event: null } : { events: [] }), min_iteration: null, max_iteration: null };
  return answer(ctx, company, kind, event, currentMetric);
}

/**
 * events.next_debug_image_sample / next_plot_sample: the next sample in (iteration, metric,
 * variant) order, or the previous one with navigate_earlier (the default): first within the same
 * iteration, then in the nearest other iteration; next_iteration skips straight to that.
 * navigate_current_metric (kept in the scroll_id) stays within the metric.
 */
export async function nextSample(ctx: StoreContext, company: string, kind: SampleKind, task: string, request: NextSampleRequest): Promise<SampleResult> {
  assertTaskId(task);
  const p = decode(request.scroll_id, kind, task);
  const earlier = request.navigate_earlier ?? true;
  const [order, beyond] = earlier ? (['desc', 'lt'] as const) : (['asc', 'gt'] as const);
  const index = indexOf(ctx, company, kind);
  const base: estypes.QueryDslQueryContainer[] = [{ term: { task } }, present(kind)];
  if (p.current_metric) base.push({ term: { metric: p.metric } });

  // Later units of the same iteration: (metric, variant) beyond the current one.
  const sameIteration: estypes.QueryDslQueryContainer[] = [];
  if (kind === 'image') sameIteration.push({ bool: { filter: [{ term: { metric: p.metric } }, { range: { variant: { [beyond]: p.variant } } }] } });
  if (!p.current_metric) sameIteration.push({ range: { metric: { [beyond]: p.metric } } });

  let event: Record<string, unknown> | undefined;
  if (!request.next_iteration && sameIteration.length > 0) {
    event = await first(ctx, index, [...base, { term: { iter: p.iter } }, { bool: { should: sameIteration, minimum_should_match: 1 } }], order);
  }
  event ??= await first(ctx, index, [...base, { range: { iter: { [beyond]: p.iter } } }], order);
  if (!event) return { scroll_id: request.scroll_id, ...(kind === 'image' ? { event: null } : { events: [] }), min_iteration: null, max_iteration: null };
  return answer(ctx, company, kind, event, p.current_metric);
}
