import request from 'supertest';
import { SecretScrubber } from '@warden/secrets';
import { createServiceApp } from '../create-app';
import { createLogger } from '../logger';
import { CapturedLogs } from '../testing/captured-logs';
import { ClearmlApi } from './clearml-api';

function build(exposeStacks = false) {
  const api = new ClearmlApi<string>({ authenticate: async () => 'none' });
  api.endpoint('debug.echo', { auth: 'none' }, (call) => ({ data: call.data }));
  api.endpoint('debug.batch', { auth: 'none', body: 'json-lines' }, (call) => ({ count: call.items.length }));
  api.endpoint('debug.crash', { auth: 'none' }, () => {
    throw new Error('internal detail: mongodb://db-host/secret-db');
  });
  const scrubber = new SecretScrubber();
  const logs = new CapturedLogs();
  const app = createServiceApp({
    logger: createLogger({ name: 't', level: 'info', scrubber, destination: logs }),
    scrubber,
    readiness: [],
    state: { draining: false, warnings: [] },
    exposeStacks,
    routes: api.router,
  });
  return { app, logs };
}

describe('hostile request bodies', () => {
  const { app } = build();

  it.each(['gzip', 'deflate', 'br'])('answers a garbage body sent as Content-Encoding %s with 400 ERR_INVALID_ENCODING', async (encoding) => {
    for (const path of ['/debug.echo', '/debug.batch']) {
      const res = await request(app)
        .post(path)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', encoding)
        .send(Buffer.from('this is not compressed at all'));
      expect([path, res.status, res.body.meta?.error_data?.code]).toEqual([path, 400, 'ERR_INVALID_ENCODING']);
    }
  });
});

describe('prototype keys', () => {
  const { app } = build();
  const send = (path: string, body: string, type = 'application/json') => request(app).post(path).set('Content-Type', type).send(body);
  const refusal = (res: request.Response) => [res.status, res.body.meta?.error_data?.code, res.body.meta?.result_msg];

  it.each([
    ['a __proto__ key', '{"__proto__": {"admin": true}}', '__proto__'],
    ['one deep in arrays', '{"a": [{"b": {"__proto__": {"admin": true}}}]}', 'a.0.b.__proto__'],
    ['one spelt with \\u escapes', '{"x": {"\\u005f_pr\\u006fto__": {"admin": true}}}', 'x.__proto__'],
    ['constructor.prototype', '{"q": {"constructor": {"prototype": {"admin": true}}}}', 'q.constructor'],
  ])('refuses %s with 400, naming where it is, and changes no prototype', async (_label, body, path) => {
    expect(refusal(await send('/debug.echo', body))).toEqual([400, 'ERR_BAD_REQUEST', `request body: the key ${path} is not allowed`]);
    expect(refusal(await send('/debug.batch', `{"ok": 1}\n${body}`, 'application/json-lines'))).toEqual([
      400,
      'ERR_BAD_REQUEST',
      `line 2: the key ${path} is not allowed`,
    ]);
    expect(({} as { admin?: boolean }).admin).toBeUndefined();
  });

  it('takes the same words as values, as other keys and in escaped text', async () => {
    const body = { constructor: 'x', prototype: { constructor: 1 }, proto: '__proto__', name: 'caf\u00e9 \u2603' };
    const res = await send('/debug.echo', JSON.stringify(body).replace('é', '\\u00e9'));
    expect([res.status, res.body.data.data]).toEqual([200, body]);
    const lines = await send('/debug.batch', `${JSON.stringify(body)}\n{"__proto__x": 1}`, 'application/json-lines');
    expect([lines.status, lines.body.data]).toEqual([200, { count: 2 }]);
  });
});

describe('unexpected errors', () => {
  it('answer a generic 500 without a stack or the internal message when stacks are off (production)', async () => {
    const { app, logs } = build(false);
    const res = await request(app).post('/debug.crash').send({});
    expect([res.status, res.body.meta.error_data.code, res.body.meta.result_msg, res.body.meta.error_stack]).toEqual([
      500,
      'ERR_INTERNAL',
      'internal server error',
      null,
    ]);
    expect(JSON.stringify(res.body)).not.toContain('db-host');
    // The detail is kept for operators, in the log.
    expect(logs.text).toContain('internal detail');
  });

  it('show the stack in development only', async () => {
    const res = await request(build(true).app).post('/debug.crash').send({});
    expect(res.body.meta.error_stack).toContain('hostile-bodies.spec');
  });

  it('answers an unknown Content-Encoding with 415 ERR_UNSUPPORTED_ENCODING', async () => {
    const res = await request(build().app).post('/debug.echo').set('Content-Type', 'application/json').set('Content-Encoding', 'x-lzma').send('{}');
    expect([res.status, res.body.meta.error_data.code]).toEqual([415, 'ERR_UNSUPPORTED_ENCODING']);
  });
});

describe('hostile paths and headers', () => {
  const { app } = build();

  const paths = [
    '/%',
    '/%E0%A4%A',
    '/debug.echo%00',
    '/v2.99999999999999999999/debug.echo',
    '/v0.0/debug.echo',
    `/${'a'.repeat(10_000)}.b`,
    '//debug.echo',
    '/debug.echo/..',
    '/__proto__.constructor',
    '/constructor.prototype',
  ];
  it.each(paths.map((path) => [path.slice(0, 40), path]))('answers %s without a 5xx, in the envelope', async (_label, path) => {
    const res = await request(app).post(path).set('Content-Type', 'application/json').send('{}');
    expect(res.status).toBeLessThan(500);
    expect(res.body.meta.error_stack ?? null).toBeNull();
  });

  it('answers odd Content-Length and content types without a 5xx', async () => {
    for (const type of ['application/json; charset=utf-16', 'application/json; charset=nope', 'multipart/form-data; boundary=x', 'text/plain']) {
      const res = await request(app).post('/debug.echo').set('Content-Type', type).send('{"a":1}');
      expect([type, res.status < 500]).toEqual([type, true]);
    }
  });
});
