import { hash } from 'node:crypto';

// ClearML's EventBLL._get_event_id: md5 over "-".join(str(event[f])) for these fields, skipping
// absent ones. Matching it keeps ids stable across ClearML and Warden for the same event.
const ID_FIELDS = ['task', 'iter', 'metric', 'variant', 'key'] as const;

export function eventId(event: Record<string, unknown>): string {
  const parts = ID_FIELDS.filter((f) => f in event && event[f] !== undefined).map((f) => String(event[f]));
  // One-shot hash: a Hash object per event is a noticeable share of add_batch's CPU.
  return hash('md5', parts.join('-'));
}
