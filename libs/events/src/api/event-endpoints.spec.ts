import { Client } from '@elastic/elasticsearch';
import request from 'supertest';
import { EventStore } from '../event-store';
import { eventsApp, fixedTasks, jsonLines } from '../testing/events-app';

// Nothing listens on port 1: a call that reached Elasticsearch would answer 503, so every answer
// below shows the request was settled before the store touched it.
const client = new Client({ node: 'http://127.0.0.1:1', maxRetries: 0 });
const owned = { companya: ['ta', 'tdel'], companyb: ['tb'] };
const { app, endpoints } = eventsApp(new EventStore(client), fixedTasks(owned));
afterAll(() => client.close());

const call = (endpoint: string, body: unknown, company = 'companya') =>
  request(app)
    .post(`/v2.23/${endpoint}`)
    .set('Authorization', `Bearer ${company}`)
    .send(body as object);

describe('event endpoints: request checks', () => {
  it.each([
    ['events.get_task_log', { batch_size: 10 }, 'task: Required'],
    ['events.get_task_log', { task: 'ta', order: 'sideways' }, 'order: Invalid enum value'],
    ['events.get_task_events', { task: 'ta', event_type: 'nope' }, 'event_type: Invalid enum value'],
    ['events.get_task_events', { task: 'ta', batch_size: 0 }, 'batch_size: Number must be greater than or equal to 1'],
    ['events.get_task_events', { task: 'ta', model_events: 'yes' }, 'model_events: Expected boolean'],
    ['events.scalar_metrics_iter_histogram', { task: 'ta', samples: 6001 }, 'samples: Number must be less than or equal to 6000'],
    ['events.scalar_metrics_iter_histogram', { task: 'ta', metrics: [{ variants: ['v'] }] }, 'metrics.0.metric: Required'],
    ['events.get_task_metrics', { tasks: [], event_type: 'log' }, 'tasks: Array must contain at least 1 element(s)'],
    ['events.get_task_metrics', { tasks: ['ta'] }, 'event_type: Required'],
    ['events.debug_images', { iters: 1 }, 'metrics: Required'],
  ])('%s refuses %j, naming the field', async (endpoint, body, message) => {
    const res = await call(endpoint, { ...body, method: 'get' });
    expect([res.status, res.body.meta.error_data.code]).toEqual([400, 'ERR_BAD_REQUEST']);
    expect(res.body.meta.result_msg).toContain(message);
  });

  it.each([
    ['events.get_task_events', { task: 'ta', filter: { iter: 3 } }, 'filter'],
    ['events.scalar_metrics_iter_histogram', { task: 'ta', metrics: [{ metric: 'm', variant: 'v' }] }, 'metrics.0.variant'],
    ['events.get_task_plots', { task: 'ta', iter: 1 }, 'iter'],
    ['events.debug_images', { metrics: [{ task: 'ta' }], iteration: 1 }, 'iteration'],
  ])('%s refuses the unknown field of %j, naming it, instead of ignoring it', async (endpoint, body, field) => {
    const res = await call(endpoint, { ...body, method: 'get' });
    expect([res.status, res.body.meta.result_code, res.body.meta.result_subcode, res.body.meta.error_data.code]).toEqual([400, 400, 12, 'ERR_UNKNOWN_FIELD']);
    expect([res.body.meta.result_msg, res.body.meta.error_data.field]).toEqual([`unknown field: ${field}`, field]);
  });

  // Every field the SDK's request classes (clearml 2.1.12 and 1.16.5, services v2_23) send: none is refused as unknown.
  it.each([
    ['events.get_task_log', { task: 'tz', batch_size: 1, from_timestamp: 1, navigate_earlier: true, order: 'asc' }],
    ['events.get_task_events', { task: 'tz', batch_size: 1, event_type: 'log', model_events: false, order: 'asc', scroll_id: undefined }],
    ['events.scalar_metrics_iter_histogram', { task: 'tz', key: 'iter', metrics: [], model_events: false, samples: 10 }],
    ['events.get_task_metrics', { tasks: ['tz'], event_type: 'log', model_events: false }],
    ['events.get_task_plots', { task: 'tz', iters: 1, metrics: [], model_events: false, no_scroll: true }],
    ['events.debug_images', { metrics: [{ task: 'tz', metric: 'm', variants: ['v'] }], iters: 1, model_events: false, navigate_earlier: true, refresh: false }],
    ['events.get_task_single_value_metrics', { tasks: ['tz'], model_events: false }],
    ['events.get_scalar_metric_data', { task: 'tz', metric: 'm', model_events: false, no_scroll: true }],
    ['events.get_task_latest_scalar_values', { task: 'tz' }],
  ])('%s takes every field the SDK sends', async (endpoint, body) => {
    const res = await call(endpoint, { ...body, method: 'get' });
    expect([res.status, res.body.meta.error_data.code]).toEqual([400, 'ERR_INVALID_TASK_ID']);
  });

  it('reads nulls as absent fields, as clearml-server does', async () => {
    const res = await call('events.get_task_log', { task: 'nope', order: null, batch_size: null });
    expect(res.body.meta.error_data.code).toBe('ERR_INVALID_TASK_ID');
  });

  it.each([
    ['events.get_task_log', { task: 'tb' }],
    ['events.get_task_events', { task: 'tb' }],
    ['events.scalar_metrics_iter_histogram', { task: 'tb' }],
    ['events.get_task_metrics', { tasks: ['ta', 'tb'], event_type: '*' }],
  ])("%s answers another company's task exactly like an unknown one", async (endpoint, body) => {
    const foreign = await call(endpoint, body);
    const unknown = await call(endpoint, JSON.parse(JSON.stringify(body).replace('"tb"', '"tz"')));
    expect([foreign.status, foreign.body.meta.error_data.code]).toEqual([400, 'ERR_INVALID_TASK_ID']);
    expect(foreign.body.meta.result_msg.replace('tb', 'tz')).toBe(unknown.body.meta.result_msg);
    expect(foreign.body.meta.result_subcode).toBe(unknown.body.meta.result_subcode);
  });

  it('refuses a batch whose every event is for a task the caller does not own, storing nothing', async () => {
    const res = await request(app)
      .get('/v2.23/events.add_batch')
      .set('Authorization', 'Bearer companya')
      .set('Content-Type', 'application/json-lines')
      .send(
        jsonLines([
          { type: 'log', task: 'tb', msg: 'x' },
          { type: 'log', task: 'tz', msg: 'y' },
        ]),
      );
    expect([res.status, res.body.meta.error_data.code]).toEqual([400, 'ERR_EVENTS_NOT_ADDED']);
    expect(res.body.meta.error_data.errors_info).toEqual({ 'Invalid task id tb': 1, 'Invalid task id tz': 1 });
  });

  it("keeps taking a deleted task's events only until it is forgotten", async () => {
    const batch = () =>
      request(app)
        .get('/events.add_batch')
        .set('Authorization', 'Bearer companya')
        .set('Content-Type', 'application/json-lines')
        .send(jsonLines([{ type: 'log', task: 'tdel', msg: 'x' }]));
    // 503: the events got past the ownership check to the (unreachable) store.
    expect((await batch()).status).toBe(503);
    owned.companya = ['ta'];
    expect((await batch()).status).toBe(503);
    endpoints.forgetTask('companya', 'tdel');
    const refused = await batch();
    expect([refused.status, refused.body.meta.error_data.errors_info]).toEqual([400, { 'Invalid task id tdel': 1 }]);
  });

  it('refuses an empty batch and calls without a token', async () => {
    const empty = await request(app).get('/events.add_batch').set('Authorization', 'Bearer companya').set('Content-Type', 'application/json-lines').send('\n');
    expect([empty.status, empty.body.meta.error_data.code]).toEqual([400, 'ERR_BATCH_EMPTY']);
    const anonymous = await request(app).post('/events.get_task_log').send({ task: 'ta' });
    expect(anonymous.status).toBe(401);
  });
});
