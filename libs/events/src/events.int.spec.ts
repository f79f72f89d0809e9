import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { WardenError } from '@warden/errors';
import { EventStore, deletePrefixed } from './index';

// Integration tier: the shared Elasticsearch from `tools/services.sh up elasticsearch`.
const client = new Client({ node: 'http://127.0.0.1:9200', maxRetries: 0, requestTimeout: 30_000 });
const prefix = `wt${randomBytes(4).toString('hex')}-`;
const store = new EventStore(client, { indexPrefix: prefix, plotCompressionThreshold: 1000 });

afterAll(async () => {
  await deletePrefixed(client, prefix);
  await client.close();
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof WardenError ? error.code : `not a WardenError: ${String(error)}`;
}

const BASE_TS = 1_700_000_000_000;
function scalars(task: string, n = 100) {
  return ['train', 'val'].flatMap((variant, v) =>
    Array.from({ length: n }, (_, iter) => ({
      type: 'training_stats_scalar',
      task,
      metric: 'loss',
      variant,
      iter,
      value: iter * (v + 1),
      timestamp: BASE_TS + iter * 1000,
    })),
  );
}
const logs = (task: string) => [1000, 2000, 2000, 3000].map((t, i) => ({ type: 'log', task, msg: `line ${i}`, level: 'info', timestamp: BASE_TS + t }));
const bigPlot = JSON.stringify({ data: [{ x: Array.from({ length: 500 }, (_, i) => i) }], layout: { images: [{ source: 'https://files/x.png' }] } });
const plots = (task: string) => [
  { type: 'plot', task, metric: 'cm', variant: 'a', iter: 1, plot_str: '{"data":[]}' },
  { type: 'plot', task, metric: 'cm', variant: 'b', iter: 1, plot_str: bigPlot },
];

describe('EventStore against the real Elasticsearch', () => {
  const A = 'companya';
  const B = 'companyb';
  const task = 'task-a1';

  beforeAll(async () => {
    await store.ensureTemplates();
    const result = await store.addBatch(A, [...scalars(task), ...logs(task), ...plots(task)], { worker: 'w1' });
    expect(result).toEqual({ added: 206, errors: 0, errors_info: {} });
  });

  it('draws the scalar histogram per metric and variant, sampled down to `samples` points', async () => {
    const full = await store.scalarMetricsIterHistogram(A, task);
    expect(Object.keys(full)).toEqual(['loss']);
    expect(Object.keys(full.loss).sort()).toEqual(['train', 'val']);
    expect(full.loss.train.name).toBe('train');
    expect(full.loss.train.x).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(full.loss.train.y).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(full.loss.val.y).toEqual(Array.from({ length: 100 }, (_, i) => 2 * i));
    // samples 0 is ClearML's "every point".
    expect((await store.scalarMetricsIterHistogram(A, task, { samples: 0 })).loss.train.x).toHaveLength(100);

    const sampled = await store.scalarMetricsIterHistogram(A, task, { samples: 10, metrics: [{ metric: 'loss', variants: ['train'] }] });
    expect(Object.keys(sampled.loss)).toEqual(['train']);
    expect(sampled.loss.train.x).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(sampled.loss.train.y).toEqual([4.5, 14.5, 24.5, 34.5, 44.5, 54.5, 64.5, 74.5, 84.5, 94.5]);

    const byTime = await store.scalarMetricsIterHistogram(A, task, { key: 'timestamp' });
    expect(byTime.loss.val.x[1]).toBe(BASE_TS + 1000);
    const iso = await store.scalarMetricsIterHistogram(A, task, { key: 'iso_time', samples: 5 });
    expect(iso.loss.train.x[0]).toBe(new Date(BASE_TS).toISOString());
    expect(byTime.loss.train.x).toHaveLength(100);
    expect(iso.loss.train.x).toHaveLength(5);
  });

  it('lists the metrics of each task', async () => {
    expect(await store.getTaskMetrics(A, [task, 'no-such-task'], 'training_stats_scalar')).toEqual({
      metrics: [
        { task, metrics: ['loss'] },
        { task: 'no-such-task', metrics: [] },
      ],
    });
    expect((await store.getTaskMetrics(A, [task], '*')).metrics[0].metrics).toEqual(['cm', 'loss']);
  });

  it('pages the task log by timestamp without losing events that share the last one', async () => {
    const latest = await store.getTaskLog(A, task, { batch_size: 2 });
    expect(latest.events.map((e) => e.msg)).toEqual(['line 3', expect.stringMatching(/line [12]/), expect.stringMatching(/line [12]/)]);
    expect([latest.returned, latest.total]).toEqual([3, 4]);
    expect(latest.events[0]).toMatchObject({ task, type: 'log', level: 'info', worker: 'w1' });
    expect(latest.events[0]).not.toHaveProperty('event_id');

    const earlier = await store.getTaskLog(A, task, { batch_size: 2, from_timestamp: BASE_TS + 2000 });
    expect(earlier.events.map((e) => e.msg)).toEqual(['line 0']);
    const later = await store.getTaskLog(A, task, { navigate_earlier: false, from_timestamp: BASE_TS + 2000, order: 'desc' });
    expect(later.events.map((e) => e.msg)).toEqual(['line 3']);
  });

  it('pages task events with an opaque scroll id and restores compressed plots', async () => {
    const seen = new Set<string>();
    let page = await store.getTaskEvents(A, task, { event_type: 'training_stats_scalar', batch_size: 150 });
    expect([page.returned, page.total]).toEqual([150, 200]);
    expect(page.events[0].iter).toBe(0);
    const pages = [page.returned];
    for (;;) {
      for (const e of page.events) seen.add(`${e.variant}/${e.iter}`);
      page = await store.getTaskEvents(A, task, { scroll_id: page.scroll_id });
      pages.push(page.returned);
      if (page.returned === 0) break;
    }
    expect([pages, seen.size]).toEqual([[150, 50, 0], 200]);

    const all = await store.getTaskEvents(A, task, { order: 'desc', batch_size: 1000 });
    expect([all.total, all.returned]).toEqual([206, 206]);
    expect(all.events[0].iter).toBe(99);
    expect(all.events.slice(-4).map((e) => e.type)).toEqual(['log', 'log', 'log', 'log']);
    const stored = all.events.find((e) => e.variant === 'b');
    expect(stored).toMatchObject({ plot_str: bigPlot, plot_len: bigPlot.length, source_urls: ['https://files/x.png'] });
    expect(stored).not.toHaveProperty('plot_data');

    expect(await codeOf(store.getTaskEvents(A, task, { scroll_id: 'garbage' }))).toBe('ERR_INVALID_SCROLL_ID');
    expect(await codeOf(store.getTaskEvents(A, 'other-task', { scroll_id: page.scroll_id }))).toBe('ERR_INVALID_SCROLL_ID');
  });

  it('stores each scalar exactly once when a batch is sent again', async () => {
    const again = await store.addBatch(A, scalars(task));
    expect(again.added).toBe(200);
    const page = await store.getTaskEvents(A, task, { event_type: 'training_stats_scalar', batch_size: 1 });
    expect(page.total).toBe(200);
  });

  it('stores the valid events of a batch and reports the invalid and refused ones', async () => {
    const t = 'task-a2';
    const batch = [...scalars(t, 5), { type: 'bogus', task: t }, { type: 'log', task: t, msg: 'far future', timestamp: 1e20 }];
    const result = await store.addBatch(A, batch);
    expect(result.added).toBe(10);
    expect(result.errors).toBe(2);
    expect(Object.keys(result.errors_info).sort()).toEqual([expect.stringMatching(/^Error when indexing events batch \(/), 'Invalid event type bogus']);
    expect((await store.getTaskEvents(A, t)).total).toBe(10);
  });

  it("keeps companies apart: B's queries never see A's events, even with A's task id", async () => {
    await store.addBatch(B, scalars('task-b1', 3));
    expect(await store.scalarMetricsIterHistogram(B, task)).toEqual({});
    expect(await store.getTaskEvents(B, task)).toMatchObject({ events: [], returned: 0, total: 0 });
    expect(await store.getTaskLog(B, task)).toEqual({ events: [], returned: 0, total: 0 });
    expect(await store.getTaskMetrics(B, [task], '*')).toEqual({ metrics: [{ task, metrics: [] }] });
    expect(await store.deleteTaskEvents(B, task)).toEqual({ deleted: 0 });
    expect((await store.getTaskEvents(A, task)).total).toBe(206);
    expect(await store.getTaskEvents('nobody', task)).toMatchObject({ events: [], total: 0 });
  });

  it('creates indices with the right mappings when replicas write their first events at once', async () => {
    const replicas = [1, 2, 3].map(() => new EventStore(client, { indexPrefix: prefix }));
    const results = await Promise.all(replicas.map((r, i) => r.addBatch('companyc', scalars(`t${i}`, 2))));
    expect(results.map((r) => r.added)).toEqual([4, 4, 4]);
    const mapping = await client.indices.getMapping({ index: `${prefix}events-training_stats_scalar-companyc` });
    expect(Object.values(mapping)[0].mappings.properties?.metric).toEqual({ type: 'keyword' });
  });

  it("deletes only the given task's events", async () => {
    const other = 'task-a3';
    await store.addBatch(A, [...scalars(other, 10), ...logs(other)]);
    expect(await store.deleteTaskEvents(A, other)).toEqual({ deleted: 24 });
    expect((await store.getTaskEvents(A, other)).total).toBe(0);
    expect((await store.getTaskEvents(A, task)).total).toBe(206);
  });

  it("drops one company's indices and leaves the others'", async () => {
    await store.addBatch('companyd', [...scalars('task-d1', 2), ...logs('task-d1')]);
    await store.deleteCompanyEvents('companyd');
    const left = await client.cat.indices({ index: `${prefix}*`, format: 'json', h: 'index' });
    expect(left.map((i) => i.index).filter((i) => i?.endsWith('-companyd'))).toEqual([]);
    expect((await store.getTaskEvents(A, task)).total).toBe(206);
  });

  it('answers ERR_SERVICE_UNAVAILABLE when Elasticsearch is unreachable', async () => {
    const down = new Client({ node: 'http://127.0.0.1:1', maxRetries: 0, requestTimeout: 2000 });
    const unreachable = new EventStore(down, { indexPrefix: prefix });
    expect(await codeOf(unreachable.addBatch(A, scalars(task, 1)))).toBe('ERR_SERVICE_UNAVAILABLE');
    expect(await codeOf(unreachable.getTaskLog(A, task))).toBe('ERR_SERVICE_UNAVAILABLE');
    expect(await codeOf(unreachable.scalarMetricsIterHistogram(A, task))).toBe('ERR_SERVICE_UNAVAILABLE');
    await down.close();
  });
});
