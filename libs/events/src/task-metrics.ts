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
