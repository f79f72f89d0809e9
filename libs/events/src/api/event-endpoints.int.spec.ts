import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import request from 'supertest';
import { EventStore } from '../event-store';
import { deletePrefixed } from '../mappings';
import { eventsApp, fixedTasks, jsonLines } from '../testing/events-app';

// Integration tier: the event endpoints in the service kit over the shared Elasticsearch
// (`tools/services.sh up elasticsearch`), with task ownership standing in for the experiments service.
const client = new Client({ node: 'http://127.0.0.1:9200', maxRetries: 0, requestTimeout: 30_000 });
const prefix = `wtapi${randomBytes(4).toString('hex')}-`;
// tp1 is a published task and mp1 a ready model: locked, they take events only with allow_locked.
const lockedIds = ['tp1', 'mp1'];
const tasks = fixedTasks(
  { companya: ['ta1', 'ta2', 'ta3', 'ta4', 'tp1', 'tp2'], companyb: ['tb1'] },
  { companya: ['ma1', 'mp1'], companyb: ['mb1'] },
  lockedIds,
);
const { app, endpoints } = eventsApp(new EventStore(client, { indexPrefix: prefix }), tasks);
afterAll(async () => {
  await deletePrefixed(client, prefix);
  await client.close();
});

const BASE_TS = 1_700_000_000_000;
const scalars = (task: string, n: number) =>
  Array.from({ length: n }, (_, iter) => ({
    timestamp: BASE_TS + iter,
    type: 'training_stats_scalar',
    task,
    iter,
    metric: 'loss',
    variant: 'train',
    value: iter / 2,
    allow_locked: false,
    model_event: false,
  }));

/** events.add_batch exactly as the SDK sends it: GET, json-lines, a worker header. */
const addBatch = (body: string, company = 'companya') =>
  request(app)
    .get('/v2.23/events.add_batch')
    .set('Authorization', `Bearer ${company}`)
    .set('X-ClearML-Worker', 'host-1')
    .set('Content-Type', 'application/json-lines')
    .send(body);
const query = (endpoint: string, body: object, company = 'companya') =>
  request(app)
    .get(`/v2.23/${endpoint}`)
    .set('Authorization', `Bearer ${company}`)
    .set('Content-Type', 'application/json')
    .send(JSON.stringify({ ...body, method: 'get' }));
function overSixteenMiB(): string {
  const line = jsonLines(scalars('ta2', 1));
  return Array.from({ length: Math.ceil((17 * 2 ** 20) / line.length) }, () => line).join('\n');
}
const refresh = () => client.indices.refresh({ index: `${prefix}*` });
const storedScalars = async (company: string, task: string) =>
  (await client.count({ index: `${prefix}events-training_stats_scalar-${company}`, query: { term: { task } }, ignore_unavailable: true })).count;

describe('event endpoints against the real Elasticsearch', () => {
  beforeAll(async () => {
    const res = await addBatch(jsonLines([...scalars('ta1', 50), { timestamp: BASE_TS, type: 'log', task: 'ta1', level: 'info', msg: 'one\ntwo' }]));
    expect([res.status, res.body.data]).toEqual([200, { added: 51, errors: 0, errors_info: {} }]);
    await refresh();
  });

  it('serves what add_batch stored through the four query endpoints, in ClearML shapes', async () => {
    const log = await query('events.get_task_log', { task: 'ta1' });
    expect(log.body.data).toMatchObject({ returned: 1, total: 1, events: [{ msg: 'one\ntwo', worker: 'host-1', level: 'info' }] });
    expect(log.body.data.events[0]).not.toHaveProperty('method');

    const events = await query('events.get_task_events', { task: 'ta1', event_type: 'training_stats_scalar', batch_size: 20 });
    expect(events.body.data).toMatchObject({ returned: 20, total: 50, scroll_id: expect.any(String) });
    const next = await query('events.get_task_events', { task: 'ta1', scroll_id: events.body.data.scroll_id });
    expect(next.body.data.events[0].iter).toBe(20);

    const histogram = await query('events.scalar_metrics_iter_histogram', { task: 'ta1', samples: 10 });
    expect(histogram.body.data.loss.train).toMatchObject({ name: 'train', x: [0, 5, 10, 15, 20, 25, 30, 35, 40, 45] });

    const metrics = await query('events.get_task_metrics', { tasks: ['ta1', 'ta2'], event_type: 'training_stats_scalar' });
    expect(metrics.body.data).toEqual({
      metrics: [
        { task: 'ta1', metrics: ['loss'] },
        { task: 'ta2', metrics: [] },
      ],
    });
  });

  it('keeps metric and variant names such as constructor and __proto__ as names, for every caller after', async () => {
    const names = [
      ['constructor', 'entries'],
      ['__proto__', 'polluted'],
      ['__proto__', '__proto__'],
      ['toString', 'valueOf'],
    ];
    const events = names.map(([metric, variant], i) => ({ ...scalars('ta3', 1)[0], iter: i + 1, metric, variant }));
    expect((await addBatch(jsonLines(events))).body.data).toMatchObject({ added: 4, errors: 0 });
    await refresh();
    const histogram = await query('events.scalar_metrics_iter_histogram', { task: 'ta3' });
    expect(histogram.status).toBe(200);
    const data = histogram.body.data as Record<string, Record<string, unknown>>;
    expect(Object.keys(data).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.keys(data['__proto__']).sort()).toEqual(['__proto__', 'polluted']);
    expect(data['constructor']['entries']).toMatchObject({ name: 'entries', x: [1] });
    // Nothing of the process changed: Object's own functions and an empty object are as they were.
    expect(typeof Object.entries).toBe('function');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect((await query('events.get_task_log', { task: 'tb1' }, 'companyb')).status).toBe(200);
  });

  it('answers add_batch once its events are searchable: reads right after see every one, as on ClearML', async () => {
    for (let round = 0; round < 3; round++) {
      const batch = scalars('ta4', 5).map((e) => ({ ...e, iter: e.iter + round * 5 }));
      const line = { timestamp: BASE_TS, type: 'log', task: 'ta4', level: 'info', msg: `round ${round}` };
      expect((await addBatch(jsonLines([...batch, line]))).body.data.added).toBe(6);
      const histogram = await query('events.scalar_metrics_iter_histogram', { task: 'ta4', samples: 0 });
      expect(histogram.body.data.loss.train.x).toHaveLength((round + 1) * 5);
      expect((await query('events.get_task_log', { task: 'ta4' })).body.data.total).toBe(round + 1);
    }
  });

  it('stores each scalar exactly once when the same batch is sent again', async () => {
    const batch = jsonLines(scalars('ta2', 30));
    for (let i = 0; i < 3; i++) expect((await addBatch(batch)).body.data.added).toBe(30);
    await refresh();
    expect(await storedScalars('companya', 'ta2')).toBe(30);
  });

  it("adds the caller's events of a mixed batch and reports the others per event, storing none of them", async () => {
    const res = await addBatch(jsonLines([...scalars('ta2', 2), ...scalars('tb1', 3), ...scalars('nope', 1)]));
    expect(res.body.data).toEqual({ added: 2, errors: 4, errors_info: { 'Invalid task id tb1': 3, 'Invalid task id nope': 1 } });
    await refresh();
    expect(await storedScalars('companya', 'tb1')).toBe(0);
    expect(await storedScalars('companyb', 'tb1')).toBe(0);
  });

  it("answers a query for another company's task like one for an unknown task", async () => {
    for (const endpoint of [
      'events.get_task_log',
      'events.get_task_events',
      'events.scalar_metrics_iter_histogram',
      'events.get_scalar_metrics_and_variants',
    ]) {
      const foreign = await query(endpoint, { task: 'ta1' }, 'companyb');
      const unknown = await query(endpoint, { task: 'nope' }, 'companyb');
      expect([foreign.status, foreign.body.meta.error_data.code, foreign.body.meta.result_msg]).toEqual([400, 'ERR_INVALID_TASK_ID', 'invalid task id']);
      expect([unknown.status, unknown.body.meta.result_msg]).toEqual([foreign.status, foreign.body.meta.result_msg]);
    }
  });

  it.each([
    ['a line that is not JSON', `${jsonLines(scalars('ta2', 2))}\n{"type":`, 400, 'ERR_INVALID_JSON', 'line 3 is not valid JSON'],
    ['a batch over 16 MiB', overSixteenMiB(), 413, 'ERR_PAYLOAD_TOO_LARGE', 'request body exceeds the 16777216 bytes events.add_batch accepts'],
  ])(
    'refuses %s and stores nothing of it',
    async (_label, body, status, code, message) => {
      const before = await storedScalars('companya', 'ta2');
      const res = await addBatch(body);
      expect([res.status, res.body.meta.error_data.code, res.body.meta.result_msg]).toEqual([status, code, message]);
      await refresh();
      expect(await storedScalars('companya', 'ta2')).toBe(before);
    },
    30_000,
  );

  it("hands each batch's summary to the experiments service, and answers success when that fails after storing", async () => {
    tasks.recorded.length = 0;
    const ok = await addBatch(jsonLines(scalars('ta2', 3)));
    expect(ok.body.data).toEqual({ added: 3, errors: 0, errors_info: {} });
    expect(tasks.recorded).toMatchObject([{ company: 'companya', user: 'companya-user', reports: [{ id: 'ta2', model: false, lastIteration: 2 }] }]);
    tasks.failRecording = new Error('database unreachable');
    try {
      const stored = await addBatch(jsonLines(scalars('ta2', 4)));
      expect([stored.status, stored.body.data]).toEqual([200, { added: 4, errors: 0, errors_info: {} }]);
    } finally {
      tasks.failRecording = undefined;
    }
  });

  it("stores model events for the caller's models only and reads them back with model_events", async () => {
    const modelScalars = (model: string) => scalars(model, 3).map((e) => ({ ...e, model_event: true }));
    const res = await addBatch(jsonLines([...modelScalars('ma1'), ...modelScalars('mb1'), { ...scalars('ma1', 1)[0], model_event: false }]));
    expect(res.body.data).toEqual({ added: 3, errors: 4, errors_info: { 'Invalid model id mb1': 3, 'Invalid task id ma1': 1 } });
    expect(tasks.recorded.at(-1)?.reports).toMatchObject([{ id: 'ma1', model: true, lastIteration: 2 }]);
    await refresh();
    const events = await query('events.get_task_events', { task: 'ma1', model_events: true, event_type: 'training_stats_scalar' });
    expect(events.body.data).toMatchObject({ total: 3, returned: 3 });
    const histogram = await query('events.scalar_metrics_iter_histogram', { task: 'ma1', model_events: true });
    expect(histogram.body.data.loss.train.x).toEqual([0, 1, 2]);
    for (const [as, task] of [
      ['companyb', 'ma1'],
      ['companya', 'ta1'],
    ]) {
      const refused = await query('events.get_task_events', { task, model_events: true }, as);
      expect([refused.status, refused.body.meta.error_data.code]).toEqual([400, 'ERR_INVALID_MODEL_ID']);
    }
  });

  it("lists a task's scalar metrics with their variants, sorted, single values included, as clearml-server does", async () => {
    const scalar = (metric: string, variant: string, iter = 0) => ({ ...scalars('ta2', 1)[0], metric, variant, iter });
    const batch = [scalar('val', 'top5'), scalar('val', 'top1'), scalar('acc', 'x.y'), scalar('loss', 'train', 99), scalar('Summary', 'best', -(2 ** 31))];
    const modelEvent = { ...scalar('loss', 'train', 99), task: 'ma1', model_event: true };
    expect((await addBatch(jsonLines([...batch, modelEvent]))).body.data.added).toBe(6);
    // Not a scalar: stays out of the answer.
    await addBatch(jsonLines([{ timestamp: BASE_TS, type: 'log', task: 'ta2', level: 'info', msg: 'x' }]));
    await refresh();
    const res = await query('events.get_scalar_metrics_and_variants', { task: 'ta2' });
    expect([res.status, res.body.data]).toEqual([200, { metrics: { Summary: ['best'], acc: ['x.y'], loss: ['train'], val: ['top1', 'top5'] } }]);
    const model = await query('events.get_scalar_metrics_and_variants', { task: 'ma1', model_events: true });
    expect(model.body.data).toEqual({ metrics: { loss: ['train'] } });
    const malformed = await query('events.get_scalar_metrics_and_variants', { task: 'ta2', metrics: ['val'] });
    expect([malformed.status, malformed.body.meta.error_data.code]).toEqual([400, 'ERR_UNKNOWN_FIELD']);
  });

  it('takes no events for a published task or a ready model unless each of its events says allow_locked', async () => {
    const locked = (id: string, model: boolean, allow?: boolean) =>
      scalars(id, 2).map((e) => ({ ...e, model_event: model, ...(allow !== undefined && { allow_locked: allow }) }));
    // As the SDK sends them (allow_locked: false), and mixed: refused, as ClearML does for a locked task.
    const refused = await addBatch(jsonLines([...locked('tp1', false, false), ...locked('mp1', true), ...locked('ta2', false, false)]));
    expect(refused.body.data).toEqual({ added: 2, errors: 4, errors_info: { 'Invalid task id tp1': 2, 'Invalid model id mp1': 2 } });
    const mixed = await addBatch(jsonLines([...locked('tp1', false, true), { ...locked('tp1', false, false)[0], iter: 5 }]));
    // Nothing of it stored: ClearML's "events not added" (400/131).
    expect([mixed.status, mixed.body.meta.error_data.code]).toEqual([400, 'ERR_EVENTS_NOT_ADDED']);
    await refresh();
    expect(await storedScalars('companya', 'tp1')).toBe(0);
    const allowed = await addBatch(jsonLines([...locked('tp1', false, true), ...locked('mp1', true, true)]));
    expect(allowed.body.data).toEqual({ added: 4, errors: 0, errors_info: {} });
    await refresh();
    expect(await storedScalars('companya', 'tp1')).toBe(2);
  });

  it('refuses events for a task published here at once, though it took events a moment before', async () => {
    expect((await addBatch(jsonLines(scalars('tp2', 1)))).body.data.added).toBe(1);
    lockedIds.push('tp2');
    endpoints.forgetTask('companya', 'tp2');
    const refused = await addBatch(jsonLines(scalars('tp2', 2)));
    expect([refused.status, refused.body.meta.error_data.code]).toEqual([400, 'ERR_EVENTS_NOT_ADDED']);
  });

  describe('the readers of plots, debug samples and single values', () => {
    const bigPlot = JSON.stringify({ data: [{ x: Array.from({ length: 30_000 }, (_, i) => i) }] });
    beforeAll(async () => {
      const plot = (iter: number, variant: string, plot_str: string) => ({
        type: 'plot',
        task: 'ta1',
        iter,
        metric: 'cm',
        variant,
        plot_str,
        timestamp: BASE_TS + iter,
      });
      const image = (iter: number, variant: string) => ({
        type: 'training_debug_image',
        task: 'ta1',
        iter,
        metric: 'img',
        variant,
        key: `k${variant}`,
        url: `s3://b/${variant}/${iter}.png`,
      });
      const single = (variant: string, value: number) => ({ type: 'training_stats_scalar', task: 'ta1', iter: -(2 ** 31), metric: 'Summary', variant, value });
      const res = await addBatch(
        jsonLines([
          plot(1, 'a', '{"old":1}'),
          plot(2, 'a', bigPlot),
          plot(2, 'b', '{"b":2}'),
          ...[1, 2, 3].flatMap((i) => [image(i, 'x'), image(i, 'y')]),
          single('acc', 0.9),
        ]),
      );
      expect(res.body.data.errors).toBe(0);
      await refresh();
    });

    it('get_task_plots answers the latest plot of each series, decompressed', async () => {
      const res = await query('events.get_task_plots', { task: 'ta1', iters: 1, no_scroll: true });
      expect(res.body.data.plots.map((p: Record<string, unknown>) => [p.variant, p.iter])).toEqual([
        ['a', 2],
        ['b', 2],
      ]);
      expect(res.body.data.plots[0].plot_str).toBe(bigPlot);
      expect(res.body.data.plots[0]).not.toHaveProperty('plot_data');
      expect((await query('events.get_task_plots', { task: 'ta1', iters: 2 })).body.data.returned).toBe(3);
    });

    it('debug_images pages iterations newest first until an empty page, as Task.get_debug_samples loops', async () => {
      const first = await query('events.debug_images', { metrics: [{ task: 'ta1', metric: 'img', variants: ['x'] }], iters: 2 });
      const iterations = first.body.data.metrics[0].iterations;
      expect(iterations.map((i: { iter: number; events: unknown[] }) => [i.iter, i.events.length])).toEqual([
        [3, 1],
        [2, 1],
      ]);
      expect(iterations[0].events[0]).toMatchObject({ url: 's3://b/x/3.png', metric: 'img', variant: 'x' });
      const second = await query('events.debug_images', {
        metrics: [{ task: 'ta1', metric: 'img', variants: ['x'] }],
        iters: 2,
        scroll_id: first.body.data.scroll_id,
      });
      expect(second.body.data.metrics[0].iterations.map((i: { iter: number }) => i.iter)).toEqual([1]);
      const third = await query('events.debug_images', {
        metrics: [{ task: 'ta1', metric: 'img', variants: ['x'] }],
        iters: 2,
        scroll_id: second.body.data.scroll_id,
      });
      expect(third.body.data.metrics[0].iterations).toEqual([]);
      const legacy = await query('events.debug_images', { task: 'ta1', iters: 1 });
      expect(legacy.body.data).toMatchObject({ task: 'ta1', returned: 2, total: 2 });
    });

    it("answers single values, the latest scalar values and one metric's scalars", async () => {
      const single = await query('events.get_task_single_value_metrics', { tasks: ['ta1'] });
      expect(single.body.data).toEqual({
        tasks: [{ task: 'ta1', values: [{ metric: 'Summary', variant: 'acc', value: 0.9, timestamp: expect.any(Number) }] }],
      });
      const latest = await query('events.get_task_latest_scalar_values', { task: 'ta1' });
      expect(latest.body.data.metrics).toContainEqual({ name: 'loss', variants: [{ name: 'train', last_value: 24.5, last_100_value: 24.5 }] });
      const data = await query('events.get_scalar_metric_data', { task: 'ta1', metric: 'loss' });
      expect(data.body.data).toMatchObject({ returned: 50, total: 50 });
    });

    it("steps through debug image and plot samples as the UI's viewers do", async () => {
      const image = (res: request.Response) => [
        res.body.data.event?.iter,
        res.body.data.event?.variant,
        res.body.data.min_iteration,
        res.body.data.max_iteration,
      ];
      let res = await query('events.get_debug_image_sample', { task: 'ta1', metric: 'img', variant: 'y' });
      expect(image(res)).toEqual([3, 'y', 1, 3]);
      const steps: Array<[Record<string, unknown>, unknown[]]> = [
        [{}, [3, 'x', 1, 3]],
        [{}, [2, 'y', 1, 3]],
        [{ navigate_earlier: false }, [3, 'x', 1, 3]],
        [{ next_iteration: true }, [2, 'y', 1, 3]],
      ];
      for (const [step, expected] of steps) {
        res = await query('events.next_debug_image_sample', { task: 'ta1', scroll_id: res.body.data.scroll_id, ...step });
        expect(image(res)).toEqual(expected);
      }
      expect((await query('events.get_debug_image_sample', { task: 'ta1', metric: 'img', variant: 'x', iteration: 1 })).body.data.event.url).toBe(
        's3://b/x/1.png',
      );

      const plots = await query('events.get_plot_sample', { task: 'ta1', metric: 'cm' });
      expect(plots.body.data.events.map((e: Record<string, unknown>) => [e.variant, e.iter])).toEqual([
        ['a', 2],
        ['b', 2],
      ]);
      expect([plots.body.data.events[0].plot_str, plots.body.data.min_iteration, plots.body.data.max_iteration]).toEqual([bigPlot, 1, 2]);
      const earlier = await query('events.next_plot_sample', { task: 'ta1', scroll_id: plots.body.data.scroll_id });
      expect(earlier.body.data.events.map((e: Record<string, unknown>) => e.plot_str)).toEqual(['{"old":1}']);

      const forged = await query('events.next_debug_image_sample', { task: 'ta2', scroll_id: res.body.data.scroll_id });
      expect([forged.status, forged.body.meta.error_data.code]).toEqual([400, 'ERR_INVALID_SCROLL_ID']);
    });

    it.each([
      ['events.get_debug_image_sample', { task: 'ta1', metric: 'img', variant: 'x' }],
      ['events.next_debug_image_sample', { task: 'ta1', scroll_id: 'x' }],
      ['events.get_plot_sample', { task: 'ta1', metric: 'cm' }],
      ['events.next_plot_sample', { task: 'ta1', scroll_id: 'x' }],
      ['events.get_task_plots', { task: 'ta1' }],
      ['events.debug_images', { metrics: [{ task: 'ta1', metric: 'img' }] }],
      ['events.debug_images', { task: 'ta1' }],
      ['events.get_task_single_value_metrics', { tasks: ['ta1'] }],
      ['events.get_task_latest_scalar_values', { task: 'ta1' }],
      ['events.get_scalar_metric_data', { task: 'ta1', metric: 'loss' }],
    ])("%s answers another company's task like an unknown one", async (endpoint, body) => {
      const foreign = await query(endpoint, body, 'companyb');
      expect([foreign.status, foreign.body.meta.error_data.code]).toEqual([400, 'ERR_INVALID_TASK_ID']);
      expect(foreign.body.data).toEqual({});
    });
  });

  it('answers 503 and acknowledges nothing while Elasticsearch is unreachable', async () => {
    const down = new Client({ node: 'http://127.0.0.1:1', maxRetries: 0, requestTimeout: 2000 });
    const unreachable = eventsApp(new EventStore(down, { indexPrefix: prefix }), tasks).app;
    const res = await request(unreachable)
      .get('/events.add_batch')
      .set('Authorization', 'Bearer companya')
      .set('Content-Type', 'application/json-lines')
      .send(jsonLines(scalars('ta1', 5)));
    expect([res.status, res.body.meta.error_data.code, res.body.data]).toEqual([503, 'ERR_SERVICE_UNAVAILABLE', {}]);
    const log = await request(unreachable).post('/events.get_task_log').set('Authorization', 'Bearer companya').send({ task: 'ta1' });
    expect([log.status, log.body.meta.error_data.code]).toEqual([503, 'ERR_SERVICE_UNAVAILABLE']);
    await down.close();
  });
});
