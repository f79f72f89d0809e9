import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import request from 'supertest';
import { WardenError } from '@warden/errors';
import { elastic } from '../elastic-errors';
import { EventStore } from '../event-store';
import { deletePrefixed } from '../mappings';
import { eventsApp, fixedTasks, jsonLines } from '../testing/events-app';

// Forged paging state and queries Elasticsearch refuses must be 400s with a code, never 500s.
const client = new Client({ node: 'http://127.0.0.1:9200', maxRetries: 0, requestTimeout: 30_000 });
const prefix = `wthostile${randomBytes(4).toString('hex')}-`;
const { app } = eventsApp(new EventStore(client, { indexPrefix: prefix }), fixedTasks({ companya: ['ta1'] }));
const query = (endpoint: string, body: object) =>
  request(app).post(`/v2.23/${endpoint}`).set('Authorization', 'Bearer companya').set('Content-Type', 'application/json').send(JSON.stringify(body));
const forge = (scroll: Record<string, unknown>) =>
  Buffer.from(JSON.stringify({ v: 1, task: 'ta1', event_type: '*', order: 'asc', metrics: [], total: 3, after: [], ...scroll })).toString('base64url');

beforeAll(async () => {
  const events = Array.from({ length: 3 }, (_, iter) => ({
    timestamp: 1_700_000_000_000 + iter,
    type: 'training_stats_scalar',
    task: 'ta1',
    iter,
    metric: 'm',
    variant: 'v',
    value: iter,
  }));
  const res = await request(app)
    .post('/events.add_batch')
    .set('Authorization', 'Bearer companya')
    .set('Content-Type', 'application/json-lines')
    .send(jsonLines(events));
  expect(res.body.data.added).toBe(3);
  await client.indices.refresh({ index: `${prefix}*` });
});
afterAll(async () => {
  await deletePrefixed(client, prefix);
  await client.close();
});

describe('hostile event queries (real Elasticsearch)', () => {
  it('pages with a genuine scroll id', async () => {
    const first = await query('events.get_task_events', { task: 'ta1', batch_size: 2 });
    const next = await query('events.get_task_events', { task: 'ta1', scroll_id: first.body.data.scroll_id });
    expect([next.status, next.body.data.events.map((e: { iter: number }) => e.iter)]).toEqual([200, [2]]);
  });

  it.each([
    ['after values of the wrong types', { after: ['x', 'y', 1] }],
    ['too few after values', { after: [1] }],
    ['too many after values', { after: [1, 2, 'a', 'b'] }],
    ['an after value too large for a long', { after: [1e300, 1, 'a'] }],
    ['a fractional iteration', { after: [1.5, 1, 'a'] }],
  ])('refuses a forged scroll id with %s as 400 ERR_INVALID_SCROLL_ID', async (_label, scroll) => {
    const res = await query('events.get_task_events', { task: 'ta1', scroll_id: forge(scroll) });
    expect([res.status, res.body.meta.error_data.code]).toEqual([400, 'ERR_INVALID_SCROLL_ID']);
  });

  it('refuses a log position Elasticsearch cannot read as 400, naming the field', async () => {
    for (const from_timestamp of [1e300, 1.5e20, -1e300]) {
      const res = await query('events.get_task_log', { task: 'ta1', from_timestamp });
      expect([res.status, res.body.meta.error_data.code, res.body.meta.error_data.field]).toEqual([400, 'ERR_BAD_REQUEST', 'from_timestamp']);
    }
  });
});

describe('Elasticsearch refusals', () => {
  it('become 400 ERR_EVENTS_QUERY_REFUSED with the error type only', async () => {
    const refused = await elastic(() =>
      client.search({ index: `${prefix}none`, query: { range: { timestamp: { gte: 'not a date' } } }, ignore_unavailable: false }),
    ).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WardenError);
    expect([(refused as WardenError).code, (refused as WardenError).status, (refused as WardenError).data]).toEqual([
      'ERR_EVENTS_QUERY_REFUSED',
      400,
      { reason: 'index_not_found_exception' },
    ]);
    expect((refused as WardenError).message).not.toContain(prefix);
    const index = `${prefix}events-training_stats_scalar-companya`;
    const badPosition = await elastic(() => client.search({ index, sort: [{ iter: 'asc' }], search_after: ['not a number'] })).catch((e: unknown) => e);
    expect([(badPosition as WardenError).code, (badPosition as WardenError).status]).toEqual(['ERR_EVENTS_QUERY_REFUSED', 400]);
  });
});
