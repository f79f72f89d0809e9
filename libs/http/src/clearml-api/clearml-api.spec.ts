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
    const res = await request(app).get('/debug.echo').set('Content-Type', 'application/json').send(JSON.stringify({ a: 1 }));
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
