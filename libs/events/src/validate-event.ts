import { randomUUID } from 'node:crypto';
import { isEventType, type EventType } from './event-types';
import { eventId } from './event-id';

export type EventDocument = Record<string, unknown> & { task: string; type: EventType; metric: string; variant: string };

/** `xAxisLabel`: ClearML's x_axis_label, kept for last_metrics only, never stored with the event. */
export type ValidatedEvent = { ok: true; id: string; doc: EventDocument; xAxisLabel?: string } | { ok: false; error: string };

export interface ValidateOptions {
  maxEventBytes: number;
  worker?: string;
  /** When either is given, events for any other task or model are rejected (ClearML's "Invalid task id"). */
  allowedTasks?: ReadonlySet<string>;
  allowedModels?: ReadonlySet<string>;
  now?: () => number;
}

// Fields only the server may set, or that ClearML consumes without storing; the SDK adds its
// request's `method` ("get") to every event line. `ts` and `values` are aliases, stored renamed.
const DROPPED_FIELDS = new Set(['x_axis_label', 'allow_locked', 'model', 'event_id', 'company_id', '@timestamp', 'method', 'ts', 'values']);
const INTEGER_STRING = /^-?\d{1,16}$/;
/** Elasticsearch's default index.mapping.depth.limit; events are flat, and a 6,000-deep one overflowed JSON.stringify (a 500). */
export const MAX_EVENT_DEPTH = 20;

function fail(error: string): ValidatedEvent {
  return { ok: false, error };
}

// Client-chosen strings end up as errors_info keys; keep them short. String() of a parsed object
// runs its own toString/valueOf keys ({"toString":1} throws), so only primitives are quoted.
function quote(value: unknown): string {
  const text = typeof value === 'object' && value !== null ? (Array.isArray(value) ? 'an array' : 'an object') : String(value);
  return text.slice(0, 100);
}

function toIteration(value: unknown): number | undefined {
  const n = typeof value === 'string' && INTEGER_STRING.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
  const iter = Math.trunc(n);
  return Number.isSafeInteger(iter) ? iter : undefined;
}

/**
 * Checks one raw event the way ClearML's add_events does and returns the document to store with
 * its _id: a hash of task/iter/metric/variant/key for every type but logs, so re-sent events
 * overwrite themselves; a random id for logs, which are appended.
 */
export function validateEvent(raw: unknown, opts: ValidateOptions): ValidatedEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('Event must be an object');
  if (nestedDeeperThan(raw, MAX_EVENT_DEPTH)) return fail(`Event is nested deeper than ${MAX_EVENT_DEPTH} levels`);
  if (Buffer.byteLength(JSON.stringify(raw)) > opts.maxEventBytes) return fail(`Event exceeds the ${opts.maxEventBytes} bytes limit`);
  const source = raw as Record<string, unknown>;

  if (source.type === undefined || source.type === null) return fail("Event must have a 'type' field");
  const type = typeof source.type === 'string' ? source.type.replace(/ /g, '_') : source.type;
  if (!isEventType(type)) return fail(`Invalid event type ${quote(type)}`);

  const modelEvent = source.model_event === true;
  if (modelEvent && type === 'log') return fail('Task log events are not supported for models');
  const task = modelEvent && source.model !== undefined ? source.model : source.task;
  if (task === undefined || task === null) return fail("Event must have a 'task' field");
  if (typeof task !== 'string' || task.length === 0 || task.length > 128) return fail('Invalid task id');
  const allowed = modelEvent ? opts.allowedModels : opts.allowedTasks;
  if ((opts.allowedTasks || opts.allowedModels) && !allowed?.has(task)) return fail(`Invalid ${modelEvent ? 'model' : 'task'} id ${quote(task)}`);

  const event = storedFields(source);
  event.task = task;
  event.type = type;
  event.model_event = modelEvent;

  if (event.timestamp === undefined || event.timestamp === null) event.timestamp = (opts.now ?? Date.now)();
  if (typeof event.timestamp !== 'number' || !Number.isFinite(event.timestamp)) return fail('Invalid timestamp');
  if (event.worker === undefined && opts.worker !== undefined) event.worker = opts.worker;

  if (event.iter === null) delete event.iter;
  if (event.iter !== undefined) {
    const iter = toIteration(event.iter);
    if (iter === undefined) return fail('Iteration number should be an integer within ±2^53');
    event.iter = iter;
  }

  for (const field of ['metric', 'variant'] as const) {
    event[field] = event[field] ?? '';
    if (typeof event[field] !== 'string') return fail(`Invalid ${field}`);
  }
  if (event.key === null) delete event.key;

  const error = typeSpecificError(type, event);
  if (error) return fail(error);

  event['@timestamp'] = new Date((opts.now ?? Date.now)()).toISOString();
  const doc = event as EventDocument;
  const id = type === 'log' ? randomUUID().replace(/-/g, '') : eventId(doc);
  doc.event_id = id;
  return typeof source.x_axis_label === 'string' ? { ok: true, id, doc, xAxisLabel: source.x_axis_label } : { ok: true, id, doc };
}

/** True when objects or arrays nest more than `levels` deep; stops there, so any depth is safe to ask about. */
function nestedDeeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  for (const inner of Object.values(value)) if (nestedDeeperThan(inner, levels - 1)) return true;
  return false;
}

/** The event's own fields to store, copied key by key: deleting keys would slow every later access. */
function storedFields(source: Record<string, unknown>): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const key of Object.keys(source)) if (!DROPPED_FIELDS.has(key)) event[key] = source[key];
  if ('ts' in source) event.timestamp = source.ts;
  if ('values' in source) event.value = source.values;
  return event;
}

function typeSpecificError(type: EventType, event: Record<string, unknown>): string | undefined {
  const notString = (field: string) => event[field] !== undefined && event[field] !== null && typeof event[field] !== 'string';
  switch (type) {
    case 'training_stats_scalar':
      return typeof event.value === 'number' && Number.isFinite(event.value) ? undefined : "Scalar event must have a numeric 'value'";
    case 'training_stats_vector':
      return Array.isArray(event.value) && event.value.every((v) => typeof v === 'number') ? undefined : "Vector event must have numeric 'values'";
    case 'log':
      return notString('msg') ? "Invalid 'msg'" : notString('level') ? "Invalid 'level'" : undefined;
    case 'plot':
      return notString('plot_str') ? "Invalid 'plot_str'" : undefined;
    case 'training_debug_image':
      return notString('key') ? "Invalid 'key'" : notString('url') ? "Invalid 'url'" : undefined;
  }
}
