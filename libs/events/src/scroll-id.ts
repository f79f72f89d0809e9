import { WardenError } from '@warden/errors';
import { EVENT_TYPES, type EventTypeOrAll } from './event-types';

export interface MetricVariants {
  metric: string;
  variants?: string[];
}

/**
 * Paging state of events.get_task_events, handed to the client as an opaque token. It holds no
 * secret and grants nothing: every query is still built from the caller's company and task, and
 * the token must name the same task.
 */
export interface TaskEventsScroll {
  task: string;
  event_type: EventTypeOrAll;
  order: 'asc' | 'desc';
  metrics: MetricVariants[];
  total: number | null;
  /** Sort values of the last event returned; null once the events are exhausted. */
  after: Array<string | number> | null;
}

const MAX_SCROLL_ID_LENGTH = 16_384;

export function encodeScrollId(scroll: TaskEventsScroll): string {
  return Buffer.from(JSON.stringify({ v: 1, ...scroll })).toString('base64url');
}

export function decodeScrollId(scrollId: string, task: string): TaskEventsScroll {
  const invalid = () => new WardenError('ERR_INVALID_SCROLL_ID', 'invalid scroll id', { scroll_id: scrollId.slice(0, 64) });
  if (scrollId.length > MAX_SCROLL_ID_LENGTH) throw invalid();
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(Buffer.from(scrollId, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!isScroll(value) || value.task !== task) throw invalid();
  return { task: value.task, event_type: value.event_type, order: value.order, metrics: value.metrics, total: value.total, after: value.after };
}

function isScroll(v: unknown): v is TaskEventsScroll & { v: 1 } {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return (
    s.v === 1 &&
    typeof s.task === 'string' &&
    (s.event_type === '*' || (EVENT_TYPES as readonly unknown[]).includes(s.event_type)) &&
    (s.order === 'asc' || s.order === 'desc') &&
    (s.total === null || (Number.isSafeInteger(s.total) && (s.total as number) >= 0)) &&
    isSortPosition(s.after) &&
    Array.isArray(s.metrics) &&
    s.metrics.every(isMetricVariants)
  );
}

/**
 * Where paging resumes: nothing yet ([]), done (null), or the sort values of the last event, which
 * are (iter, timestamp, event_id) as Elasticsearch answers them. Anything else once reached
 * Elasticsearch and came back as a 500.
 */
function isSortPosition(after: unknown): boolean {
  if (after === null) return true;
  if (!Array.isArray(after)) return false;
  if (after.length === 0) return true;
  const [iter, timestamp, eventId] = after as unknown[];
  return after.length === 3 && Number.isSafeInteger(iter) && Number.isSafeInteger(timestamp) && typeof eventId === 'string' && eventId.length <= 128;
}

export function isMetricVariants(m: unknown): m is MetricVariants {
  if (typeof m !== 'object' || m === null) return false;
  const { metric, variants } = m as Record<string, unknown>;
  return typeof metric === 'string' && (variants === undefined || (Array.isArray(variants) && variants.every((x) => typeof x === 'string')));
}
