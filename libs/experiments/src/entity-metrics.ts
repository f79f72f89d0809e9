import { hash } from 'node:crypto';
import type { Model } from 'mongoose';
import type { ExperimentModels } from './documents';
import type { Filter } from './query';

/** One metric/variant's scalar events of a batch, summarized by the events service. */
export interface ScalarSummary {
  metric: string;
  variant: string;
  /** The value at the highest (iteration, timestamp): ClearML's last value. */
  last: { iter: number; timestamp: number; value: number };
  /** The lowest value, at the earliest iteration that reported it. */
  min: { value: number; iter: number };
  /** The highest value, at the earliest iteration that reported it. */
  max: { value: number; iter: number };
  /** The value at the earliest iteration. */
  first: { iter: number; value: number };
  /** Events stored for the first time, and the sum of their values: resent events add nothing. */
  added: number;
  addedTotal: number;
  x_axis_label?: string;
}

/** What one batch of events tells about one task or model. */
export interface MetricsReport {
  id: string;
  /** A model's events (`model_event: true`), else a task's. */
  model: boolean;
  /** The batch's highest iteration; last_iteration only ever moves forward to it. */
  lastIteration?: number;
  scalars: ScalarSummary[];
}

/**
 * clearml-server's services.tasks.max_last_metrics: a task or model keeps last_metrics for this many
 * metric/variant pairs; later pairs are still stored as events, only not summarized.
 */
export const MAX_LAST_METRICS = 2000;
// Names are stored in every summary; ClearML does not bound them, but 2,000 pairs of 32 KiB names
// (Elasticsearch's keyword limit) would pass MongoDB's 16 MiB document limit.
const MAX_NAME_CHARS = 1024;

/** ClearML's hash_field_name: metric and variant names become md5 hex keys, safe in any database path. */
export const fieldHash = (name: string) => hash('md5', name);

const pairKey = (s: ScalarSummary) => `${fieldHash(s.metric)}.${fieldHash(s.variant)}`;

/**
 * The single update a report makes. Every operator is idempotent and order-free ($max, $min, $set
 * of this batch's values, $addToSet), except $inc of counts, which only counts events Elasticsearch
 * stored for the first time: concurrent batches never lose a max or min, never move last_iteration
 * back, and a resent batch counts nothing twice. The min/max iteration rides along with its value
 * in one embedded document ({value, iter}) that $min/$max compare field by field, as MongoDB and
 * FerretDB both do; the plain *_value fields stay for sorting and filtering as in ClearML.
 */
function metricsUpdate(report: MetricsReport, user: string, now: Date, scalars: ScalarSummary[]) {
  const max: Record<string, unknown> = { last_update: now, last_change: now };
  const min: Record<string, unknown> = {};
  const set: Record<string, unknown> = { last_changed_by: user };
  const inc: Record<string, number> = {};
  if (report.lastIteration !== undefined) max.last_iteration = report.lastIteration;
  for (const s of scalars) {
    const path = `last_metrics.${pairKey(s)}`;
    Object.assign(set, { [`${path}.metric`]: s.metric, [`${path}.variant`]: s.variant, [`${path}.value`]: s.last.value });
    if (s.x_axis_label !== undefined) set[`${path}.x_axis_label`] = s.x_axis_label;
    Object.assign(max, {
      [`${path}.max_value`]: s.max.value,
      // -iter: of equal maxima the earliest iteration wins, as in ClearML.
      [`${path}._max`]: { value: s.max.value, iter: -s.max.iter },
      [`${path}._last`]: { iter: s.last.iter, timestamp: s.last.timestamp, value: s.last.value },
    });
    Object.assign(min, {
      [`${path}.min_value`]: s.min.value,
      [`${path}._min`]: { value: s.min.value, iter: s.min.iter },
      [`${path}._first`]: { iter: s.first.iter, value: s.first.value },
    });
    if (s.added > 0) Object.assign(inc, { [`${path}.count`]: s.added, [`${path}._total`]: s.addedTotal });
  }
  const update: Record<string, unknown> = { $max: max, $set: set };
  if (scalars.length > 0) {
    update.$min = min;
    update.$addToSet = { unique_metrics: { $each: scalars.map(pairKey) } };
  }
  if (Object.keys(inc).length > 0) update.$inc = inc;
  return update;
}

/**
 * Applies one report with one update in the common case. The filter admits the update only while
 * the entity's unique_metrics leaves room for every pair of the batch; otherwise (a task near the
 * cap) it reads which pairs are known and updates those plus as many new ones as fit.
 */
async function recordOne<T>(model: Model<T>, company: string, user: string, report: MetricsReport, now: Date, cap: number): Promise<void> {
  const scalars = report.scalars.filter((s) => s.metric.length <= MAX_NAME_CHARS && s.variant.length <= MAX_NAME_CHARS);
  const target: Filter = { _id: report.id, company };
  if (scalars.length <= cap) {
    const roomy = { ...target, [`unique_metrics.${cap - scalars.length}`]: { $exists: false } };
    const result = await model.updateOne(roomy, metricsUpdate(report, user, now, scalars));
    if (result.matchedCount > 0) return;
  }
  const doc = await model.findOne(target, { unique_metrics: 1 }).lean<{ unique_metrics?: string[] }>();
  if (!doc) return;
  const known = new Set(doc.unique_metrics ?? []);
  let room = cap - known.size;
  const fitting = scalars.filter((s) => known.has(pairKey(s)) || room-- > 0);
  await model.updateOne(target, metricsUpdate(report, user, now, fitting));
}

/**
 * Applies one report to its task or model of the company; a report for an id it does not hold
 * changes nothing. `cap` is MAX_LAST_METRICS but in tests.
 */
export function recordReport(db: ExperimentModels, company: string, user: string, report: MetricsReport, cap = MAX_LAST_METRICS): Promise<void> {
  const now = new Date();
  return report.model ? recordOne(db.models, company, user, report, now, cap) : recordOne(db.tasks, company, user, report, now, cap);
}

type Stored = Record<string, unknown>;
const INTERNAL = ['_max', '_min', '_last', '_first', '_total'];

/** One stored summary in ClearML's MetricEvent shape: the iterations and mean come from the internal fields. */
function metricEventView(stored: Stored): Stored {
  const view: Stored = Object.fromEntries(Object.entries(stored).filter(([key]) => !INTERNAL.includes(key)));
  const pair = (key: string) => (typeof stored[key] === 'object' && stored[key] !== null ? (stored[key] as Stored) : undefined);
  const [max, min, last, first] = [pair('_max'), pair('_min'), pair('_last'), pair('_first')];
  if (last) view.value = last.value;
  if (min) view.min_value_iteration = min.iter;
  if (max) view.max_value_iteration = -(max.iter as number);
  if (first) Object.assign(view, { first_value: first.value, first_value_iteration: first.iter });
  if (typeof stored._total === 'number' && typeof stored.count === 'number' && stored.count > 0) view.mean_value = stored._total / stored.count;
  return view;
}

/** last_metrics as the API answers it: `{<metric hash>: {<variant hash>: MetricEvent}}`. */
export function lastMetricsView(stored: unknown): Record<string, Record<string, Stored>> {
  const view: Record<string, Record<string, Stored>> = {};
  if (typeof stored !== 'object' || stored === null) return view;
  for (const [metricKey, variants] of Object.entries(stored as Record<string, unknown>)) {
    if (typeof variants !== 'object' || variants === null) continue;
    view[metricKey] = Object.fromEntries(
      Object.entries(variants as Record<string, unknown>).map(([variantKey, entry]) => [
        variantKey,
        typeof entry === 'object' && entry !== null ? metricEventView(entry as Stored) : (entry as Stored),
      ]),
    );
  }
  return view;
}
