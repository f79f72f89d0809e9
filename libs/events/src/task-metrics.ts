import { WardenError } from '@warden/errors';
import { assertTaskId, indicesFor, type EventTypeOrAll } from './event-types';
import { elastic } from './elastic-errors';
import { LENIENT_INDICES, SINGLE_SCALAR_ITERATION, taskFilter } from './queries';
import type { StoreContext } from './store-context';

export interface TaskMetricsResult {
  metrics: Array<{ task: string; metrics: string[] }>;
}

const MAX_TASKS = 1000;
const MAX_METRICS_PER_TASK = 8000;

type Buckets = { buckets: Array<{ key: string | number } & Record<string, unknown>> };

/** events.get_task_metrics: the metric names each task reported, in one terms-in-terms query. */
export async function getTaskMetrics(ctx: StoreContext, company: string, tasks: string[], eventType: EventTypeOrAll): Promise<TaskMetricsResult> {
  if (tasks.length === 0 || tasks.length > MAX_TASKS) throw new WardenError('ERR_BAD_REQUEST', `tasks must list 1 to ${MAX_TASKS} task ids`);
  tasks.forEach((t) => assertTaskId(t));
  const unique = [...new Set(tasks)];
  const result = await elastic(() =>
    ctx.client.search({
      index: indicesFor(ctx.indexPrefix, company, eventType),
      ...LENIENT_INDICES,
      size: 0,
      query: { bool: { filter: [...taskFilter(unique), { range: { iter: { gt: SINGLE_SCALAR_ITERATION } } }] } },
      aggs: {
        tasks: {
          terms: { field: 'task', size: unique.length, include: unique },
          aggs: { metrics: { terms: { field: 'metric', size: MAX_METRICS_PER_TASK, order: { _key: 'asc' } } } },
        },
      },
    }),
  );
  const byTask = new Map<string, string[]>();
  for (const t of (result.aggregations?.tasks as Buckets | undefined)?.buckets ?? []) {
    byTask.set(
      String(t.key),
      (t.metrics as Buckets).buckets.map((m) => String(m.key)),
    );
  }
  return { metrics: unique.map((task) => ({ task, metrics: byTask.get(task) ?? [] })) };
}

const MAX_VARIANTS_PER_METRIC = 1000;

/**
 * events.get_scalar_metrics_and_variants: each scalar metric of one task (or model) with its variants,
 * both sorted, single values ("Summary") included, as clearml-server answers it: {metric: [variant]}.
 */
export async function getScalarMetricsAndVariants(ctx: StoreContext, company: string, task: string): Promise<{ metrics: Record<string, string[]> }> {
  assertTaskId(task);
  const result = await elastic(() =>
    ctx.client.search({
      index: indicesFor(ctx.indexPrefix, company, 'training_stats_scalar'),
      ...LENIENT_INDICES,
      size: 0,
      query: { bool: { filter: taskFilter(task) } },
      aggs: {
        metrics: {
          terms: { field: 'metric', size: MAX_METRICS_PER_TASK, order: { _key: 'asc' } },
          aggs: { variants: { terms: { field: 'variant', size: MAX_VARIANTS_PER_METRIC, order: { _key: 'asc' } } } },
        },
      },
    }),
  );
  const buckets = (result.aggregations?.metrics as Buckets | undefined)?.buckets ?? [];
  return { metrics: Object.fromEntries(buckets.map((m) => [String(m.key), (m.variants as Buckets).buckets.map((v) => String(v.key))])) };
}
