import { WardenError } from '@warden/errors';

/** ClearML's event types, each stored in its own index per company. */
export const EVENT_TYPES = ['training_stats_scalar', 'training_stats_vector', 'training_debug_image', 'plot', 'log'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** `*` asks for every event type, as ClearML's EventType.all does. */
export type EventTypeOrAll = EventType | '*';

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

// Company ids become part of index names: a comma or wildcard would widen a query to other
// tenants' indices, and lowercasing (as ClearML does) could merge two tenants into one index.
const COMPANY_ID = /^[a-z0-9_-]{1,64}$/;

export function assertCompanyId(company: string): void {
  if (!COMPANY_ID.test(company)) throw new WardenError('ERR_BAD_REQUEST', 'invalid company id for event indices');
}

export function assertTaskId(task: unknown): asserts task is string {
  if (typeof task !== 'string' || task.length === 0 || task.length > 128) {
    throw new WardenError('ERR_INVALID_TASK_ID', 'invalid task id', { task: typeof task === 'string' ? task.slice(0, 128) : null });
  }
}

export function indexName(prefix: string, company: string, type: EventType): string {
  return `${prefix}events-${type}-${company}`;
}

/** Names every index explicitly instead of `events-*-<company>`, which would also match company `x-<company>`. */
export function indicesFor(prefix: string, company: string, type: EventTypeOrAll): string[] {
  assertCompanyId(company);
  const types = type === '*' ? EVENT_TYPES : [type];
  return types.map((t) => indexName(prefix, company, t));
}
