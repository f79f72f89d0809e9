import { createHash } from 'node:crypto';
import { experimentModels } from './documents';
import { recordReport, type MetricsReport, type ScalarSummary } from './entity-metrics';
import { mergeSummaries } from './metrics-writer';
import { ALICE, BOB, startTestApp, type TestApp } from './testing/int-test-app';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** The summary of one scalar event, as the events service makes it. */
function one(metric: string, variant: string, iter: number, value: number, added = 1): ScalarSummary {
  return {
    metric,
    variant,
    last: { iter, timestamp: 1_700_000_000_000 + iter, value },
    min: { value, iter },
    max: { value, iter },
    first: { iter, value },
    added,
    addedTotal: added * value,
  };
}

describe('recordMetrics: last_iteration and last_metrics from event batches (real FerretDB)', () => {
  let t: TestApp;
  let project: string;

  beforeAll(async () => {
    t = await startTestApp();
    project = (await t.call('alice', 'projects.create', { name: 'metrics' })).data.id as string;
  });
  afterAll(() => t.close());

  const newTask = async () => (await t.call('alice', 'tasks.create', { name: 'metrics task', project, type: 'training' })).data.id as string;
  const getTask = async (id: string) => (await t.call('alice', 'tasks.get_by_id', { task: id })).data.task as Record<string, unknown>;
  const entry = (doc: Record<string, unknown>, metric: string, variant: string) =>
    (doc.last_metrics as Record<string, Record<string, Record<string, unknown>>>)[md5(metric)]?.[md5(variant)];
  const report = (id: string, scalars: ScalarSummary[], lastIteration?: number): MetricsReport => ({ id, model: false, lastIteration, scalars });

  it("answers ClearML's MetricEvent shape under md5(metric).md5(variant), as the SDK's get_last_scalar_metrics reads it", async () => {
    const task = await newTask();
    await t.experiments.recordMetrics(ALICE.company, ALICE.user, [
      report(task, [mergeSummaries(one('loss', 'train', 3, 0.5), one('loss', 'train', 1, 0.9))], 3),
    ]);
    await t.experiments.recordMetrics(ALICE.company, ALICE.user, [report(task, [{ ...one('loss', 'train', 7, 0.2), x_axis_label: 'epoch' }], 7)]);
    const doc = await getTask(task);
    expect(doc.last_iteration).toBe(7);
    expect(entry(doc, 'loss', 'train')).toEqual({
      metric: 'loss',
      variant: 'train',
      value: 0.2,
      min_value: 0.2,
      min_value_iteration: 7,
      max_value: 0.9,
      max_value_iteration: 1,
      first_value: 0.9,
      first_value_iteration: 1,
      count: 3,
      mean_value: (0.5 + 0.9 + 0.2) / 3,
      x_axis_label: 'epoch',
    });
    expect(doc).not.toHaveProperty('unique_metrics');
    expect(Date.parse(doc.last_update as string)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keeps max, min and last_iteration right under concurrent batches, and never moves last_iteration back', async () => {
    const task = await newTask();
    const values = Array.from({ length: 24 }, (_, i) => ((i * 7919) % 101) / 10);
    await Promise.all(values.map((v, i) => t.experiments.recordMetrics(ALICE.company, ALICE.user, [report(task, [one('acc', 'val', i, v)], i)])));
    await t.experiments.recordMetrics(ALICE.company, ALICE.user, [report(task, [one('acc', 'val', 2, 5)], 2)]);
    const doc = await getTask(task);
    const max = Math.max(...values);
    const min = Math.min(...values);
    expect(doc.last_iteration).toBe(values.length - 1);
    expect(entry(doc, 'acc', 'val')).toMatchObject({
      value: values[values.length - 1],
      max_value: max,
      max_value_iteration: values.indexOf(max),
      min_value: min,
      min_value_iteration: values.indexOf(min),
      count: values.length + 1,
    });
  });

  it('answers task reads only after the metrics updates still in flight for the company', async () => {
    const task = await newTask();
    // Many series make the update slow on FerretDB, so a read that did not wait would come first.
    const scalars = Array.from({ length: 300 }, (_, i) => one('slow', `v${i}`, 42, i));
    const recording = t.experiments.recordMetrics(ALICE.company, ALICE.user, [report(task, scalars, 42)]);
    const doc = await getTask(task);
    await recording;
    expect(doc.last_iteration).toBe(42);
    expect(Object.keys((doc.last_metrics as Record<string, object>)[md5('slow')])).toHaveLength(300);
  });

  it('counts nothing for events Elasticsearch had already stored (a resent batch)', async () => {
    const task = await newTask();
    const batch = report(task, [one('loss', 'a', 1, 2)], 1);
    await t.experiments.recordMetrics(ALICE.company, ALICE.user, [batch]);
    await t.experiments.recordMetrics(ALICE.company, ALICE.user, [report(task, [one('loss', 'a', 1, 2, 0)], 1)]);
    expect(entry(await getTask(task), 'loss', 'a')).toMatchObject({ count: 1, mean_value: 2 });
  });

  it("changes nothing in another company's task, nor in a model when asked for a task", async () => {
    const task = await newTask();
    await t.experiments.recordMetrics(BOB.company, BOB.user, [report(task, [one('loss', 'x', 9, 1)], 9)]);
    await t.experiments.recordMetrics(ALICE.company, ALICE.user, [{ ...report(task, [one('loss', 'x', 9, 1)], 9), model: true }]);
    const doc = await getTask(task);
    expect([doc.last_iteration, doc.last_metrics]).toEqual([0, {}]);
  });

  it('tasks.reset clears the series count with last_metrics, so the cap starts afresh', async () => {
    const task = await newTask();
    await t.experiments.recordMetrics(ALICE.company, ALICE.user, [report(task, [one('loss', 'a', 5, 1)], 5)]);
    const reset = await t.call('alice', 'tasks.reset', { task });
    expect(reset.status).toBe(200);
    const stored = await experimentModels(t.connection).tasks.findById(task).lean();
    expect([stored?.last_iteration, stored?.last_metrics, stored?.unique_metrics]).toEqual([0, {}, []]);
  });

  it("records a model's events on the model", async () => {
    const model = (await t.call('alice', 'models.create', { uri: 'file:///m.pt', name: 'm', project })).data.id as string;
    await t.experiments.recordMetrics(ALICE.company, ALICE.user, [{ id: model, model: true, lastIteration: 4, scalars: [one('loss', 'train', 4, 0.25)] }]);
    const doc = (await t.call('alice', 'models.get_by_id', { model })).data.model as Record<string, unknown>;
    expect(doc.last_iteration).toBe(4);
    expect(entry(doc, 'loss', 'train')).toMatchObject({ metric: 'loss', variant: 'train', value: 0.25, max_value: 0.25, count: 1 });
  });

  // The cap is 2,000 pairs as in ClearML; 20 here, since FerretDB takes seconds per update of thousands.
  it('keeps last_metrics for at most the capped number of metric/variant pairs, still updating the known ones', async () => {
    const cap = 20;
    const record = (r: MetricsReport) => recordReport(experimentModels(t.connection), ALICE.company, ALICE.user, r, cap);
    const task = await newTask();
    const pairs = (from: number, n: number, value: number) => Array.from({ length: n }, (_, i) => one('m', `v${from + i}`, 1, value));
    await record(report(task, pairs(0, cap - 5, 1), 1));
    await record(report(task, [...pairs(0, 3, 9), ...pairs(cap - 5, 10, 1)], 2));
    await record(report(task, pairs(cap + 10, cap + 1, 1), 3));
    const doc = await getTask(task);
    expect(Object.keys((doc.last_metrics as Record<string, object>)[md5('m')])).toHaveLength(cap);
    expect(entry(doc, 'm', 'v0')).toMatchObject({ max_value: 9, count: 2 });
    expect(entry(doc, 'm', `v${cap - 1}`)).toMatchObject({ count: 1 });
    expect(entry(doc, 'm', `v${cap}`)).toBeUndefined();
    expect(doc.last_iteration).toBe(3);
  });
});
