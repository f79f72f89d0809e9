import type { MetricsReport, ScalarSummary } from './entity-metrics';

type Apply = (company: string, user: string, report: MetricsReport) => Promise<void>;

interface Queued {
  user: string;
  report: MetricsReport;
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Slot {
  next?: Queued;
}

const later = <T extends { iter: number }>(a: T, b: T, tie: (x: T, y: T) => boolean) => (b.iter > a.iter || (b.iter === a.iter && tie(a, b)) ? b : a);

/** Two summaries of one metric/variant as one, as if their events had come in one batch. */
export function mergeSummaries(a: ScalarSummary, b: ScalarSummary): ScalarSummary {
  return {
    metric: a.metric,
    variant: a.variant,
    last: later(a.last, b.last, (x, y) => y.timestamp >= x.timestamp),
    min: b.min.value < a.min.value || (b.min.value === a.min.value && b.min.iter < a.min.iter) ? b.min : a.min,
    max: b.max.value > a.max.value || (b.max.value === a.max.value && b.max.iter < a.max.iter) ? b.max : a.max,
    first: b.first.iter < a.first.iter ? b.first : a.first,
    added: a.added + b.added,
    addedTotal: a.addedTotal + b.addedTotal,
    x_axis_label: b.x_axis_label ?? a.x_axis_label,
  };
}

export function mergeReports(a: MetricsReport, b: MetricsReport): MetricsReport {
  const scalars = new Map(a.scalars.map((s) => [`${s.metric}\0${s.variant}`, s]));
  for (const s of b.scalars) {
    const key = `${s.metric}\0${s.variant}`;
    const known = scalars.get(key);
    scalars.set(key, known ? mergeSummaries(known, s) : s);
  }
  const iterations = [a.lastIteration, b.lastIteration].filter((i): i is number => i !== undefined);
  return { id: a.id, model: a.model, lastIteration: iterations.length > 0 ? Math.max(...iterations) : undefined, scalars: [...scalars.values()] };
}

/**
 * Runs at most one metrics update per task or model at a time in this process, and starts the next
 * one no sooner than `minIntervalMs` after the last began, merging the reports that arrive meanwhile
 * into it. MongoDB applies each update atomically, but FerretDB 1.x does not (24 concurrent `$inc`
 * of one document counted 2), so without this concurrent batches of one task lost maxima there.
 * The interval bounds the database work a busy task causes: on FerretDB one update of 30 series
 * took 80 ms of its CPU, and back-to-back updates took half the ingest rate of a 2-core machine.
 * A report for an idle task starts at once, so an SDK flushing every few seconds waits for nothing.
 */
export class MetricsWriter {
  private readonly slots = new Map<string, Slot>();
  private readonly pending = new Map<string, Set<Promise<void>>>();

  constructor(
    private readonly apply: Apply,
    private readonly minIntervalMs = 1000,
  ) {}

  /** Resolves once every update recorded so far for the company has been applied (or failed). */
  async settled(company: string): Promise<void> {
    const pending = this.pending.get(company);
    if (pending) await Promise.allSettled([...pending]);
  }

  record(company: string, user: string, report: MetricsReport): Promise<void> {
    const done = this.enqueue(company, user, report);
    let pending = this.pending.get(company);
    if (!pending) this.pending.set(company, (pending = new Set()));
    pending.add(done);
    const forget = () => {
      pending.delete(done);
      if (pending.size === 0 && this.pending.get(company) === pending) this.pending.delete(company);
    };
    done.then(forget, forget);
    return done;
  }

  private enqueue(company: string, user: string, report: MetricsReport): Promise<void> {
    const key = `${company}\0${report.model ? 'model' : 'task'}\0${report.id}`;
    const slot = this.slots.get(key);
    if (!slot) return this.start(key, company, user, report);
    if (slot.next) {
      slot.next.report = mergeReports(slot.next.report, report);
      slot.next.user = user;
      return slot.next.promise;
    }
    let settle: Pick<Queued, 'resolve' | 'reject'> | undefined;
    const promise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    slot.next = { user, report, promise, ...settle! };
    return promise;
  }

  private start(key: string, company: string, user: string, report: MetricsReport): Promise<void> {
    const slot: Slot = {};
    this.slots.set(key, slot);
    const startedAt = Date.now();
    const done = this.apply(company, user, report);
    void done
      .catch(() => undefined)
      .then(async () => {
        const wait = startedAt + this.minIntervalMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const next = slot.next;
        if (!next) return void this.slots.delete(key);
        this.start(key, company, next.user, next.report).then(next.resolve, next.reject);
      });
    return done;
  }
}
