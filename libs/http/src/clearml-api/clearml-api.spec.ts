import request from 'supertest';
import { WardenError } from '@warden/errors';
import { SecretScrubber } from '@warden/secrets';
import { createServiceApp } from '../create-app';
import { createLogger } from '../logger';
import { CapturedLogs } from '../testing/captured-logs';
import { CLEARML_API_VERSION } from './api-version';
import { ClearmlApi } from './clearml-api';

function build() {
  const api = new ClearmlApi<string>({
    maxBodyBytes: 200,
    authenticate: async (req, mode) => {
      if (mode === 'token' && req.get('Authorization') !== 'Bearer good') throw new WardenError('ERR_UNAUTHORIZED');
      return mode;
    },
  });
  api.endpoint('debug.echo', { auth: 'none' }, (call) => ({ data: call.data, version: call.version, auth: call.auth }));
  api.endpoint('debug.secret', { auth: 'token' }, () => ({ ok: true }));
  api.endpoint('debug.newer', { auth: 'none', minVersion: '2.20' }, () => ({ ok: true }));
  api.endpoint('debug.batch', { auth: 'none', body: 'json-lines', maxBodyBytes: 1000 }, (call) => ({ items: call.items, data: call.data }));
  api.endpoint('debug.secret_batch', { auth: 'token', body: 'json-lines' }, (call) => ({ count: call.items.length }));
  const scrubber = new SecretScrubber();
  const app = createServiceApp({
    logger: createLogger({ name: 't', level: 'silent', scrubber, destination: new CapturedLogs() }),
    scrubber,
    readiness: [],
    state: { draining: false, warnings: [] },
    exposeStacks: false,
    routes: api.router,
  });
  return app;
}

describe('ClearML API mechanics', () => {
  const app = build();

  it('takes GET with a JSON body, as the SDK sends it, and answers in the envelope', async () => {
    const res = await request(app)
      .get('/debug.echo')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ a: 1 }));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ data: { a: 1 }, version: CLEARML_API_VERSION, auth: 'none' });
    expect(res.body.meta).toMatchObject({ result_code: 200, endpoint: { name: 'debug.echo', actual_version: CLEARML_API_VERSION } });
  });

  it('routes versioned paths, merges query parameters under the body, and accepts POST', async () => {
    const res = await request(app).post('/v2.13/debug.echo?a=q&b=q').send({ a: 'body' });
    expect(res.body.data).toEqual({ data: { a: 'body', b: 'q' }, version: '2.13', auth: 'none' });
    expect(res.body.meta.endpoint.requested_version).toBe('2.13');
  });

  it.each([
    ['an unknown endpoint', '/debug.nothing', 404, 'ERR_ENDPOINT_UNKNOWN'],
    ['a version newer than the server', '/v9.0/debug.echo', 400, 'ERR_API_VERSION'],
    ['a version older than the endpoint', '/v2.1/debug.newer', 404, 'ERR_ENDPOINT_UNKNOWN'],
    ['a missing token', '/debug.secret', 401, 'ERR_UNAUTHORIZED'],
  ])('refuses %s with a ClearML-shaped error', async (_label, path, status, code) => {
    const res = await request(app).post(path).send({});
    expect(res.status).toBe(status);
    expect(res.body.meta.error_data.code).toBe(code);
    expect(res.body.meta.error_stack).toBeNull();
  });

  it.each([
    ['malformed JSON', '{"a":', 400, 'ERR_INVALID_JSON'],
    ['a JSON array', '[1,2]', 400, 'ERR_BAD_REQUEST'],
    ['an oversized body', JSON.stringify({ a: 'x'.repeat(500) }), 413, 'ERR_PAYLOAD_TOO_LARGE'],
  ])('refuses %s', async (_label, body, status, code) => {
    const res = await request(app).post('/debug.echo').set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(status);
    expect(res.body.meta.error_data.code).toBe(code);
  });
});

describe('batch endpoints (json-lines)', () => {
  const app = build();
  const lines = (body: string) => request(app).get('/v2.23/debug.batch').set('Content-Type', 'application/json-lines').send(body);

  it('hands the handler one item per line, as the SDK sends events.add_batch', async () => {
    const res = await lines('{"a":1,"method":"get"}\n\n{"b":2}');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ items: [{ a: 1, method: 'get' }, { b: 2 }], data: {} });
    expect(res.body.meta.endpoint.name).toBe('debug.batch');
  });

  it('takes a plain JSON object as a batch of one, as clearml-server does, and an empty body as no items', async () => {
    const res = await request(app).post('/debug.batch').send({ a: 1 });
    expect(res.body.data).toEqual({ items: [{ a: 1 }], data: { a: 1 } });
    expect((await request(app).post('/debug.batch')).body.data.items).toEqual([]);
  });

  it('keeps JSON endpoints on JSON even when the body claims json-lines', async () => {
    const res = await request(app).post('/debug.echo').set('Content-Type', 'application/json-lines').send('{"a":1}\n{"b":2}');
    expect([res.status, res.body.meta.error_data.code]).toEqual([400, 'ERR_INVALID_JSON']);
  });

  it.each([
    ['a line that is not JSON', '{"a":1}\n{"a":', 400, 'ERR_INVALID_JSON', 'line 2 is not valid JSON'],
    ['a line that is not an object', '{"a":1}\n\n[1]', 400, 'ERR_INVALID_JSON', 'line 3 is not a JSON object'],
    ['a body over the endpoint limit', `{"a":"${'x'.repeat(1000)}"}`, 413, 'ERR_PAYLOAD_TOO_LARGE', 'request body exceeds the 1000 bytes debug.batch accepts'],
  ])('refuses %s, saying why', async (_label, body, status, code, message) => {
    const res = await lines(body);
    expect([res.status, res.body.meta.error_data.code, res.body.meta.result_msg]).toEqual([status, code, message]);
  });

  it('refuses a JSON array, which clearml-server does not take either', async () => {
    const res = await request(app)
      .post('/debug.batch')
      .send([{ a: 1 }]);
    expect([res.status, res.body.meta.result_msg]).toEqual([400, 'request body must be json-lines or a JSON object']);
  });

  it('allows about 16 MiB by default and refuses more, naming the limit', async () => {
    const item = JSON.stringify({ pad: 'x'.repeat(1000) });
    const body = Array.from({ length: 16_000 }, () => item).join('\n');
    const ok = await request(app).get('/debug.secret_batch').set('Authorization', 'Bearer good').set('Content-Type', 'application/json-lines').send(body);
    expect([ok.status, ok.body.data]).toEqual([200, { count: 16_000 }]);
    const over = await request(app)
      .get('/debug.secret_batch')
      .set('Authorization', 'Bearer good')
      .set('Content-Type', 'application/json-lines')
      .send(`${body}\n${body}`);
    expect([over.status, over.body.meta.error_data.code, over.body.meta.error_data.limit]).toEqual([413, 'ERR_PAYLOAD_TOO_LARGE', 16 * 1024 * 1024]);
  });

  it('refuses a missing token before reading the body', async () => {
    const res = await request(app).get('/debug.secret_batch').set('Content-Type', 'application/json-lines').send('{"a":');
    expect([res.status, res.body.meta.error_data.code]).toEqual([401, 'ERR_UNAUTHORIZED']);
  });
});
