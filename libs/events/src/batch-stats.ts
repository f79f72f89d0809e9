import type { EventDocument } from './validate-event';

/** One metric/variant's scalar events of a batch (the experiments service's ScalarSummary). */
export interface ScalarSummary {
  metric: string;
  variant: string;
  last: { iter: number; timestamp: number; value: number };
  min: { value: number; iter: number };
  max: { value: number; iter: number };
  first: { iter: number; value: number };
  /** Events stored for the first time and the sum of their values; overwrites of resent events add nothing. */
  added: number;
  addedTotal: number;
  x_axis_label?: string;
}

/** What a batch says about one task or model: its highest iteration and scalar summaries. */
export interface EntityReport {
  id: string;
  model: boolean;
  lastIteration?: number;
  scalars: ScalarSummary[];
}

interface Entity {
  report: EntityReport;
  scalars: Map<string, ScalarSummary>;
}

/**
 * Folds the stored events of a batch into one report per task or model, as clearml-server's
 * add_events does: the highest iteration (never below 0), and per scalar series the last value by
 * (iteration, timestamp), the minimum and maximum with the earliest iteration that reached them,
 * and the value at the earliest iteration.
 */
export class BatchStats {
  private readonly entities = new Map<string, Entity>();

  add(doc: EventDocument, created: boolean, xAxisLabel?: string): void {
    const model = doc.model_event === true;
    const key = `${model ? 'model' : 'task'}\0${doc.task}`;
    let entity = this.entities.get(key);
    if (!entity) this.entities.set(key, (entity = { report: { id: doc.task, model, scalars: [] }, scalars: new Map() }));
    const iter = typeof doc.iter === 'number' ? doc.iter : undefined;
    if (iter !== undefined) entity.report.lastIteration = Math.max(entity.report.lastIteration ?? 0, iter);
    if (doc.type === 'training_stats_scalar') this.addScalar(entity, doc, iter ?? 0, created, xAxisLabel);
  }

  reports(): EntityReport[] {
    return [...this.entities.values()].map(({ report, scalars }) => ({ ...report, scalars: [...scalars.values()] }));
  }

  private addScalar(entity: Entity, doc: EventDocument, iter: number, created: boolean, label: string | undefined): void {
    const value = doc.value as number;
    const timestamp = doc.timestamp as number;
    const key = `${doc.metric}\0${doc.variant}`;
    const s = entity.scalars.get(key);
    if (!s) {
      const summary: ScalarSummary = {
        metric: doc.metric,
        variant: doc.variant,
        last: { iter, timestamp, value },
        min: { value, iter },
        max: { value, iter },
        first: { iter, value },
        added: created ? 1 : 0,
        addedTotal: created ? value : 0,
      };
      if (label !== undefined) summary.x_axis_label = label;
      entity.scalars.set(key, summary);
      return;
    }
    if (iter > s.last.iter || (iter === s.last.iter && timestamp >= s.last.timestamp)) {
      s.last = { iter, timestamp, value };
      if (label !== undefined) s.x_axis_label = label;
    }
    if (value < s.min.value || (value === s.min.value && iter < s.min.iter)) s.min = { value, iter };
    if (value > s.max.value || (value === s.max.value && iter < s.max.iter)) s.max = { value, iter };
    if (iter < s.first.iter) s.first = { iter, value };
    if (created) {
      s.added++;
      s.addedTotal += value;
    }
  }
}
