import { z } from 'zod';
import { WardenError } from '@warden/errors';
import { EVENT_TYPES } from '../event-types';

// Request fields of clearml-server's events.conf, as the SDK's v2.23 service module sends them.
// An unknown field is refused naming it (ERR_UNKNOWN_FIELD, ClearML's validation error 400/12): dropping it silently
// would answer a query the caller did not ask. The SDK's `method` key is the one exception.

const taskId = z.string().min(1).max(128);
const order = z.enum(['asc', 'desc']);
const eventType = z.enum([...EVENT_TYPES, '*']);
const metrics = z.array(z.object({ metric: z.string(), variants: z.array(z.string()).optional() }).strict()).max(1000);
// Asks for a model's events: `task` names a model of the caller's company.
const modelEvents = z.boolean().optional();

export const taskLogRequest = z
  .object({
    task: taskId,
    batch_size: z.number().int().min(1).optional(),
    navigate_earlier: z.boolean().optional(),
    // Epoch milliseconds; Elasticsearch refuses what a long cannot hold.
    from_timestamp: z.number().safe().optional(),
    order: order.optional(),
    metrics: metrics.optional(),
  })
  .strict();

export const taskEventsRequest = z
  .object({
    task: taskId,
    event_type: eventType.optional(),
    order: order.optional(),
    scroll_id: z.string().optional(),
    batch_size: z.number().int().min(1).optional(),
    count_total: z.boolean().optional(),
    metrics: metrics.optional(),
    model_events: modelEvents,
  })
  .strict();

export const scalarHistogramRequest = z
  .object({
    task: taskId,
    // 0 = every point, as in ClearML.
    samples: z.number().int().min(0).max(6000).optional(),
    key: z.enum(['iter', 'timestamp', 'iso_time']).optional(),
    metrics: metrics.optional(),
    model_events: modelEvents,
  })
  .strict();

export const taskMetricsRequest = z
  .object({
    tasks: z.array(taskId).min(1).max(1000),
    event_type: eventType,
    model_events: modelEvents,
  })
  .strict();

export const metricsAndVariantsRequest = z.object({ task: taskId, model_events: modelEvents }).strict();

export const taskPlotsRequest = z
  .object({
    task: taskId,
    iters: z.number().int().min(1).optional(),
    metrics: metrics.optional(),
    scroll_id: z.string().optional(),
    // The SDK's get_reported_plots asks for a one-off answer; nothing here holds a scroll anyway.
    no_scroll: z.boolean().optional(),
    model_events: modelEvents,
  })
  .strict();

// 2.14+ sends `metrics` (Task.get_debug_samples); 2.1's per-task form sends `task`.
export const debugImagesRequest = z
  .object({
    metrics: z
      .array(z.object({ task: taskId, metric: z.string().optional(), variants: z.array(z.string()).optional() }).strict())
      .min(1)
      .max(1000)
      .optional(),
    task: taskId.optional(),
    iters: z.number().int().min(1).optional(),
    navigate_earlier: z.boolean().optional(),
    refresh: z.boolean().optional(),
    scroll_id: z.string().optional(),
    model_events: modelEvents,
  })
  .strict();

export const singleValueMetricsRequest = z.object({ tasks: z.array(taskId).min(1).max(1000), metrics: metrics.optional(), model_events: modelEvents }).strict();

export const scalarMetricDataRequest = z
  .object({ task: taskId, metric: z.string(), scroll_id: z.string().optional(), no_scroll: z.boolean().optional(), model_events: modelEvents })
  .strict();

export const latestScalarValuesRequest = z.object({ task: taskId }).strict();

const sampleFields = {
  task: taskId,
  metric: z.string(),
  iteration: z.number().int().optional(),
  refresh: z.boolean().optional(),
  scroll_id: z.string().optional(),
  navigate_current_metric: z.boolean().optional(),
  model_events: modelEvents,
};
export const debugImageSampleRequest = z.object({ ...sampleFields, variant: z.string() }).strict();
export const plotSampleRequest = z.object(sampleFields).strict();

export const nextSampleRequest = z
  .object({ task: taskId, scroll_id: z.string(), navigate_earlier: z.boolean().optional(), next_iteration: z.boolean().optional(), model_events: modelEvents })
  .strict();

/** Validates request data, naming the first bad or unknown field; nulls count as absent, as in clearml-server. */
export function parseRequest<S extends z.ZodTypeAny>(schema: S, data: Record<string, unknown>): z.infer<S> {
  const present = Object.fromEntries(Object.entries(data).filter(([key, value]) => value !== null && key !== 'method'));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const at = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const fields = issue.keys.slice(0, 20).map((key) => [at, key].filter(Boolean).join('.').slice(0, 200));
    throw new WardenError('ERR_UNKNOWN_FIELD', `unknown field${fields.length > 1 ? 's' : ''}: ${fields.join(', ')}`, { field: fields[0], fields });
  }
  throw new WardenError('ERR_BAD_REQUEST', `${at}: ${issue.message}`, { field: at });
}
