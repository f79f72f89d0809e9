import type { MetricsReport, ScalarSummary } from './entity-metrics';
import { MetricsWriter, mergeSummaries } from './metrics-writer';

const summary = (iter: number, value: number): ScalarSummary => ({
  metric: 'loss',
  variant: 'train',
  last: { iter, timestamp: iter, value },
  min: { value, iter },
  max: { value, iter },
  first: { iter, value },
  added: 1,
  addedTotal: value,
});
const report = (iter: number, value: number, id = 't1'): MetricsReport => ({ id, model: false, lastIteration: iter, scalars: [summary(iter, value)] });

/** An apply function whose calls stay pending until the test releases them. */
function gatedApply() {
  const calls: Array<{ report: MetricsReport; release: (error?: Error) => void }> = [];
  const apply = (_company: string, _user: string, r: MetricsReport) =>
    new Promise<void>((resolve, reject) => calls.push({ report: r, release: (error) => (error ? reject(error) : resolve()) }));
  return { calls, apply };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('MetricsWriter', () => {
  it('runs one update per task at a time and merges the reports that wait', async () => {
    const { calls, apply } = gatedApply();
    const writer = new MetricsWriter(apply, 0);
    const first = writer.record('c', 'u', report(1, 5));
    const second = writer.record('c', 'u', report(3, 1));
    const third = writer.record('c', 'u', report(2, 9));
    const other = writer.record('c', 'u', report(7, 7, 't2'));
    expect(calls.map((c) => c.report.id)).toEqual(['t1', 't2']);
    calls[0].release();
    await first;
    await tick();
    expect(calls).toHaveLength(3);
    expect(calls[2].report).toEqual({ id: 't1', model: false, lastIteration: 3, scalars: [mergeSummaries(summary(3, 1), summary(2, 9))] });
    expect(calls[2].report.scalars[0]).toMatchObject({
      last: { iter: 3, value: 1 },
      min: { value: 1, iter: 3 },
      max: { value: 9, iter: 2 },
      first: { iter: 2 },
      added: 2,
    });
    calls[2].release(new Error('down'));
    await expect(second).rejects.toThrow('down');
    await expect(third).rejects.toThrow('down');
    calls[1].release();
    await other;
  });

  it('starts the next update of a task no sooner than the interval after the last began', async () => {
    const { calls, apply } = gatedApply();
    const writer = new MetricsWriter(apply, 300);
    const began = Date.now();
    const first = writer.record('c', 'u', report(1, 1));
    calls[0].release();
    await first;
    await tick();
    const later = [writer.record('c', 'u', report(2, 2)), writer.record('c', 'u', report(3, 3))];
    await tick();
    expect(calls).toHaveLength(1);
    while (calls.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
    expect(calls[1].report.lastIteration).toBe(3);
    calls[1].release();
    await Promise.all(later);
  });

  it("settles a company's reads only after its updates recorded so far", async () => {
    const { calls, apply } = gatedApply();
    const writer = new MetricsWriter(apply);
    void writer.record('c', 'u', report(1, 1));
    let settled = false;
    const reading = writer.settled('c').then(() => (settled = true));
    await writer.settled('other');
    await tick();
    expect(settled).toBe(false);
    calls[0].release();
    await reading;
    expect(settled).toBe(true);
  });
});
