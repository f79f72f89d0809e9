import { z } from 'zod';
import { WardenError } from '@warden/errors';
import { EVENT_TYPES } from '../event-types';

// Request fields of clearml-server's events.conf, as the SDK's v2.23 service module sends them.
// Unknown fields (the SDK's `method`) are dropped.

const taskId = z.string().min(1).max(128);
const order = z.enum(['asc', 'desc']);
const eventType = z.enum([...EVENT_TYPES, '*']);
const metrics = z.array(z.object({ metric: z.string(), variants: z.array(z.string()).optional() })).max(1000);
// Asks for a model's events: `task` names a model of the caller's company.
const modelEvents = z.boolean().optional();

export const taskLogRequest = z.object({
  task: taskId,
  batch_size: z.number().int().min(1).optional(),
  navigate_earlier: z.boolean().optional(),
  // Epoch milliseconds; Elasticsearch refuses what a long cannot hold.
  from_timestamp: z.number().safe().optional(),
  order: order.optional(),
  metrics: metrics.optional(),
});

export const taskEventsRequest = z.object({
  task: taskId,
  event_type: eventType.optional(),
  order: order.optional(),
  scroll_id: z.string().optional(),
  batch_size: z.number().int().min(1).optional(),
  count_total: z.boolean().optional(),
  metrics: metrics.optional(),
  model_events: modelEvents,
});

export const scalarHistogramRequest = z.object({
  task: taskId,
  // 0 = every point, as in ClearML.
  samples: z.number().int().min(0).max(6000).optional(),
  key: z.enum(['iter', 'timestamp', 'iso_time']).optional(),
  metrics: metrics.optional(),
  model_events: modelEvents,
});

export const taskMetricsRequest = z.object({
  tasks: z.array(taskId).min(1).max(1000),
  event_type: eventType,
  model_events: modelEvents,
});

/** Validates request data, naming the first bad field; nulls count as absent, as in clearml-server. */
export function parseRequest<S extends z.ZodTypeAny>(schema: S, data: Record<string, unknown>): z.infer<S> {
  const present = Object.fromEntries(Object.entries(data).filter(([, value]) => value !== null));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.join('.');
  throw new WardenError('ERR_BAD_REQUEST', `${field}: ${issue.message}`, { field });
}
