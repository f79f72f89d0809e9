import express, { Router } from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { SecretScrubber } from '@warden/secrets';
import { createServiceApp } from './create-app';
import { WardenError } from '@warden/errors';
import { createLogger } from './logger';
import type { ReadinessCheck, ServiceState } from './readiness';
import { CapturedLogs } from './testing/captured-logs';

const SECRET = 'sEcReT-value-4f8a9b2c7d1e6f3a0b5c8d2e7f1a4b9c6d3e0f7a2b5';

function build(options: { readiness?: ReadinessCheck[]; exposeStacks?: boolean; state?: ServiceState } = {}) {
  const logs = new CapturedLogs();
  const scrubber = new SecretScrubber();
  scrubber.add(SECRET);
  const logger = createLogger({ name: 'test', level: 'info', scrubber, destination: logs });
  const routes = Router();
  routes.use(express.json({ limit: '1kb' }));
  routes.post('/echo.json', (req, res) => res.json(req.body));
  routes.get('/typed.error', () => {
    throw new WardenError('ERR_FORBIDDEN', 'not yours', { object: 'x' });
  });
  routes.get('/leaky.error', (req) => {
    req.log.info({ config: { token_secret: SECRET }, note: `value ${SECRET}` }, 'about to fail');
    throw new Error(`database rejected password ${SECRET}`);
  });
  routes.get('/long.error', () => {
    throw new WardenError('ERR_BAD_REQUEST', `password ${SECRET} in https://user:${SECRET}@h; received ${'x'.repeat(2 ** 20)}`);
  });
  routes.get('/never.answers', () => undefined);
  routes.get('/async.error', async () => {
    throw new Error('async failure');
  });
  const state = options.state ?? { draining: false, warnings: [] };
  const app = createServiceApp({
    logger,
    scrubber,
    readiness: options.readiness ?? [],
    state,
    exposeStacks: options.exposeStacks ?? false,
    routes,
  });
  return { app, logs };
}

describe('service app', () => {
  it('maps a typed error to its status, stable code and ClearML envelope', async () => {
    const { app } = build();
    const res = await request(app).get('/v2.13/typed.error').set('X-ClearML-Trx', 'trx-1');
    expect(res.status).toBe(404);
    // Versioned paths are only the apiserver's business; the kit does not route them.
    const direct = await request(app).get('/typed.error');
    expect(direct.status).toBe(403);
    expect(direct.body.meta).toMatchObject({
      result_code: 403,
      result_subcode: 20,
      result_msg: 'not yours',
      error_stack: null,
      error_data: { code: 'ERR_FORBIDDEN', object: 'x' },
      endpoint: { name: 'typed.error' },
    });
    expect(direct.body.data).toEqual({});
  });

  it('answers a megabyte-long message quickly, scrubbed, cut to its start', async () => {
    const { app } = build();
    const started = performance.now();
    const res = await request(app).get('/long.error');
    expect(performance.now() - started).toBeLessThan(1_000);
    const message = res.body.meta.result_msg as string;
    expect(message.startsWith('password [REDACTED] in https://user:[REDACTED]@h; received xxx')).toBe(true);
    expect(message).toMatch(/^.{2000}… \(\d+ more characters\)$/s);
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
  });

  it('answers unknown endpoints with a ClearML-shaped 404 and no stack', async () => {
    const { app } = build({ exposeStacks: true });
    const res = await request(app).get('/v2.99/nothing.here');
    expect(res.status).toBe(404);
    expect(res.body.meta).toMatchObject({
      result_code: 400,
      result_subcode: 1,
      error_data: { code: 'ERR_ENDPOINT_UNKNOWN' },
      endpoint: { name: 'nothing.here', requested_version: '2.99' },
      error_stack: null,
    });
  });

  it('turns malformed and oversized JSON into 400 and 413 with codes', async () => {
    const { app } = build();
    const bad = await request(app).post('/echo.json').set('Content-Type', 'application/json').send('{"a": ');
    expect(bad.status).toBe(400);
    expect(bad.body.meta.error_data.code).toBe('ERR_INVALID_JSON');
    const big = await request(app)
      .post('/echo.json')
      .send({ a: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    expect(big.body.meta.error_data.code).toBe('ERR_PAYLOAD_TOO_LARGE');
  });

  it('hides unexpected errors behind a generic 500; stacks only when allowed, and scrubbed', async () => {
    const prod = await request(build().app).get('/async.error');
    expect(prod.status).toBe(500);
    expect(prod.body.meta).toMatchObject({ result_code: 500, result_subcode: 1, result_msg: 'internal server error', error_stack: null });

    const dev = await request(build({ exposeStacks: true }).app).get('/leaky.error');
    expect(dev.body.meta.error_stack).toContain('[REDACTED]');
    expect(JSON.stringify(dev.body)).not.toContain(SECRET);
  });

  it('never writes a secret or a credential header to the logs', async () => {
    const { app, logs } = build();
    await request(app).get('/leaky.error').set('Authorization', `Bearer ${SECRET}`).set('Cookie', `clearml_token_basic=${SECRET}`);
    await request(app).get(`/typed.error?token=${SECRET}`);
    // The access line's path is scrubbed too (it is not redacted by field: its shape holds no credential field).
    await request(app).get(`/files/${encodeURIComponent(SECRET)}`);
    expect(logs.lines.some((line) => line.includes('/files/[REDACTED]'))).toBe(true);
    expect(logs.lines.length).toBeGreaterThanOrEqual(4);
    expect(logs.text).toContain('unhandled error');
    expect(logs.text).toContain('[REDACTED]');
    expect(logs.text).not.toContain(SECRET);
    expect(logs.text).not.toContain('sEcReT-value');
  });

  it('echoes a safe request id and replaces an unsafe one', async () => {
    const { app } = build();
    const kept = await request(app).get('/health').set('X-Request-Id', 'abc-123');
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await request(app)
      .get('/health')
      .set('X-Request-Id', 'id with spaces and "quotes" ' + 'x'.repeat(200));
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sets helmet's security headers on every response, errors included", async () => {
    const reference = express();
    reference.use(helmet());
    reference.get('/', (_req, res) => res.end());
    const expected = (await request(reference).get('/')).headers;
    const names = Object.keys(expected).filter((name) => !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name));
    expect(names.length).toBeGreaterThan(8);
    for (const path of ['/health', '/typed.error', '/nothing.here']) {
      const res = await request(build().app).get(path);
      for (const name of names) expect([path, name, res.headers[name]]).toEqual([path, name, expected[name]]);
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('logs one access line per request with method, path without query, status, error code and duration; probes are quiet', async () => {
    const { app, logs } = build();
    await request(app).get('/typed.error?token=abc').set('X-Request-Id', 'req-42');
    await request(app).get('/health');
    await request(app).get('/ready');
    const access = logs.lines.map((line) => JSON.parse(line)).filter((entry) => entry.req);
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'req-42', method: 'GET', path: '/typed.error' },
      res: { statusCode: 403, error_code: 'ERR_FORBIDDEN' },
    });
    expect(typeof access[0].responseTime).toBe('number');
    expect(logs.text).not.toContain('abc');
  });

  it('logs a request whose client went away before the answer as aborted', async () => {
    const { app, logs } = build();
    await expect(request(app).get('/never.answers').set('X-Request-Id', 'req-44').timeout(100)).rejects.toThrow(/Timeout/);
    const deadline = Date.now() + 2000;
    while (!logs.text.includes('request aborted') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const entry = logs.lines.map((line) => JSON.parse(line)).find((e) => e.req);
    expect(entry).toMatchObject({ level: 40, msg: 'request aborted', req: { id: 'req-44', path: '/never.answers' } });
  });

  it('logs a 5xx at error level and binds req.log to the request id', async () => {
    const { app, logs } = build();
    await request(app).get('/leaky.error').set('X-Request-Id', 'req-43');
    const entries = logs.lines.map((line) => JSON.parse(line));
    expect(entries.find((e) => e.msg === 'about to fail')).toMatchObject({ req_id: 'req-43' });
    expect(entries.find((e) => e.msg === 'unhandled error')).toMatchObject({ req_id: 'req-43', level: 50 });
    expect(entries.find((e) => e.req)).toMatchObject({ level: 50, msg: 'request failed', res: { statusCode: 500, error_code: 'ERR_INTERNAL' } });
  });

  it('reports readiness per dependency and names the failing ones', async () => {
    const ok: ReadinessCheck = { name: 'redis', check: async () => undefined };
    const down: ReadinessCheck = { name: 'elasticsearch', check: async () => Promise.reject(new Error(`connect ECONNREFUSED (password ${SECRET})`)) };
    const ready = await request(build({ readiness: [ok] }).app).get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', failing: [], checks: { redis: { ok: true } }, warnings: [] });

    const notReady = await request(build({ readiness: [ok, down] }).app).get('/ready');
    expect(notReady.status).toBe(503);
    expect(notReady.body.failing).toEqual(['elasticsearch']);
    expect(notReady.body.checks.elasticsearch.error).toContain('ECONNREFUSED');
    expect(JSON.stringify(notReady.body)).not.toContain(SECRET);
  });

  it('reports a hanging dependency as not ready after the check timeout', async () => {
    const hanging: ReadinessCheck = { name: 'mongodb', check: () => new Promise(() => undefined) };
    const res = await request(build({ readiness: [hanging] }).app).get('/ready');
    expect(res.status).toBe(503);
    expect(res.body.checks.mongodb.error).toMatch(/no answer within/);
  }, 10_000);

  it('is not ready while draining', async () => {
    const res = await request(build({ state: { draining: true, warnings: ['w'] } }).app).get('/ready');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'draining', warnings: ['w'] });
  });
});
