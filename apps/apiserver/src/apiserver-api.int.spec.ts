import { request as httpRequest } from 'node:http';
import { spawnApiserverFor, spawnTestGateway, type TestGateway } from '@warden/auth-service/testing';
import type { SpawnedService } from '@warden/http/testing';

// Integration tier: the built gateway and apiserver as production processes on the real backing
// services. The apiserver verifies every token itself against the gateway's published keys.
const db = `warden_int_api_${process.pid}_${Date.now()}`;

interface Envelope {
  meta: {
    result_code: number;
    result_subcode: number;
    result_msg: string;
    error_data?: { code?: string };
    error_stack?: unknown;
    endpoint: { name: string; requested_version: string; actual_version: string };
  };
  data: Record<string, unknown>;
}

describe('apiserver ClearML API (real gateway, Redis, MongoDB-wire server, Elasticsearch)', () => {
  let gateway: TestGateway;
  let api: SpawnedService;
  let token: string;

  // node:http, not fetch: the ClearML SDK sends GET requests with a JSON body, which fetch refuses.
  const call = (path: string, init: { token?: string; body?: unknown; method?: string; headers?: Record<string, string>; raw?: string } = {}) =>
    new Promise<{ status: number; body: Envelope }>((resolve, reject) => {
      const payload = init.raw ?? (init.body === undefined ? '' : JSON.stringify(init.body));
      const req = httpRequest(`${api.url}${path}`, {
        method: init.method ?? 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(payload),
          ...(init.token && { Authorization: `Bearer ${init.token}` }),
          ...init.headers,
        },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Envelope }));
      });
      req.on('error', reject).end(payload);
    });

  beforeAll(async () => {
    gateway = await spawnTestGateway(db);
    api = await spawnApiserverFor(gateway, db);
    const tenant = await gateway.createTenant('tenant-a');
    token = await gateway.login(tenant.accessKey, tenant.secretKey);
  }, 90_000);

  afterAll(async () => {
    expect(await api.stop()).toBe(0);
    expect(await gateway.stop()).toBe(0);
    const output = api.output() + gateway.service.output();
    for (const value of [...Object.values(gateway.secrets), ...gateway.issued]) expect(output).not.toContain(value);
  });

  it('logs in through the API host, as the ClearML SDK does (unversioned GET, Basic auth)', async () => {
    const tenant = await gateway.createTenant('tenant-sdk');
    gateway.issued.push(tenant.secretKey);
    const basic = `Basic ${Buffer.from(`${tenant.accessKey}:${tenant.secretKey}`).toString('base64')}`;
    const res = await call('/auth.login', { method: 'GET', headers: { Authorization: basic } });
    expect(res.status).toBe(200);
    const sdkToken = res.body.data.token as string;
    gateway.issued.push(sdkToken);
    const me = await call('/v2.23/users.get_current_user', { token: sdkToken, method: 'GET', body: { method: 'get' } });
    expect(me.status).toBe(200);
    expect(me.body.data.user).toMatchObject({ id: tenant.user, company: { id: tenant.company } });
  });

  it("runs each call in the token's company: another tenant's task is answered like a missing one", async () => {
    const project = await call('/v2.23/projects.create', { token, method: 'GET', body: { name: 'isolated', description: '', method: 'get' } });
    expect(project.status).toBe(200);
    const task = await call('/v2.23/tasks.create', { token, body: { name: 'isolated task', project: project.body.data.id, type: 'training' } });
    expect(task.body.meta.result_msg).toBe('OK');
    const id = task.body.data.id as string;
    expect((await call('/v2.23/tasks.get_by_id', { token, body: { task: id } })).body.data.task).toMatchObject({ id, project: project.body.data.id });

    const other = await gateway.createTenant('tenant-other');
    const otherToken = await gateway.login(other.accessKey, other.secretKey);
    const missing = await call('/v2.23/tasks.get_by_id', { token: otherToken, body: { task: 'no-such-task' } });
    const foreign = await call('/v2.23/tasks.get_by_id', { token: otherToken, body: { task: id } });
    expect([foreign.status, foreign.body.meta.result_code, foreign.body.meta.result_subcode]).toEqual([missing.status, 400, 101]);
    const edit = await call('/v2.23/tasks.edit', { token: otherToken, body: { task: id, force: true, comment: 'taken over' } });
    expect(edit.body.meta.result_subcode).toBe(101);
    const listed = await call('/v2.23/tasks.get_all', { token: otherToken, body: { id: [id] } });
    expect(listed.body.data.tasks).toEqual([]);
    expect((await call('/v2.23/tasks.get_by_id', { token, body: { task: id } })).body.data.task).not.toHaveProperty('comment', 'taken over');
  });

  it("stores events for the caller's own tasks only and serves them back to that company alone", async () => {
    const task = await call('/v2.23/tasks.create', { token, body: { name: 'events task', type: 'training' } });
    const id = task.body.data.id as string;
    const other = await gateway.createTenant('tenant-events');
    const otherToken = await gateway.login(other.accessKey, other.secretKey);
    const foreignTask = (await call('/v2.23/tasks.create', { token: otherToken, body: { name: 'not yours', type: 'training' } })).body.data.id as string;

    const line = (task: string, iter: number) =>
      JSON.stringify({
        timestamp: Date.now(),
        type: 'training_stats_scalar',
        task,
        iter,
        metric: 'loss',
        variant: 'train',
        value: 1 / (iter + 1),
        method: 'get',
      });
    const batch = [line(id, 0), line(id, 1), line(foreignTask, 0)].join('\n');
    const added = await call('/v2.23/events.add_batch', { token, method: 'GET', raw: batch, headers: { 'Content-Type': 'application/json-lines' } });
    expect([added.status, added.body.data.added, added.body.data.errors]).toEqual([200, 2, 1]);

    let iterations: unknown;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      const histogram = await call('/v2.23/events.scalar_metrics_iter_histogram', { token, body: { task: id } });
      iterations = (histogram.body.data as { loss?: { train?: { x: number[] } } }).loss?.train?.x;
      if (Array.isArray(iterations) && iterations.length === 2) break;
    }
    expect(iterations).toEqual([0, 1]);
    const peek = await call('/v2.23/events.scalar_metrics_iter_histogram', { token: otherToken, body: { task: id } });
    expect([peek.status, peek.body.meta.result_subcode]).toEqual([400, 101]);
    const theirs = await call('/v2.23/events.scalar_metrics_iter_histogram', { token: otherToken, body: { task: foreignTask } });
    expect(theirs.body.data).toEqual({});
  });

  it("serves no service identity: the apiserver's own credentials read, write and found nothing", async () => {
    const key = gateway.secrets['CLEARML__SECURE__CREDENTIALS__APISERVER__USER_KEY'];
    const secret = gateway.secrets['CLEARML__SECURE__CREDENTIALS__APISERVER__USER_SECRET'];
    const login = await call('/auth.login', { headers: { Authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}` } });
    const systemToken = login.body.data.token as string;
    gateway.issued.push(systemToken);
    const attempts = [
      ['/v2.23/projects.get_all', {}],
      ['/v2.23/projects.create', { name: 'planted', description: '' }],
      ['/v2.23/tasks.get_all', {}],
      ['/v2.23/events.add_batch', { task: 'any', type: 'log', msg: 'x' }],
      ['/v2.23/users.get_all', {}],
      ['/v2.23/auth.create_user', { company: 'e'.repeat(32), company_name: 'planted', username: `planted-${db}`, role: 'admin' }],
    ] as const;
    for (const [path, body] of attempts) {
      const res = await call(path, { token: systemToken, body });
      expect([path, res.status, res.body.meta.error_data?.code]).toEqual([path, 403, 'ERR_FORBIDDEN']);
    }
  });

  it("does not forward the operator endpoint: founding a tenant is the gateway's alone", async () => {
    const operatorSecret = gateway.secrets['CLEARML__SECURE__AUTH__OPERATOR_SECRET'];
    const res = await call('/operator/tenants', {
      headers: { Authorization: `Bearer ${operatorSecret}` },
      body: { company_name: 'via-api', admin: { username: `via-api-${db}` } },
    });
    expect([res.status, res.body.meta.error_data?.code]).toEqual([404, 'ERR_ENDPOINT_UNKNOWN']);
  });

  it('answers the probes without a token, in the envelope', async () => {
    const ping = await call('/debug.ping', { method: 'GET' });
    expect([ping.status, ping.body.data]).toEqual([200, { msg: 'ClearML server' }]);
    const info = await call('/v2.23/server.info', { body: {} });
    expect(info.body.data).toMatchObject({ api_version: '2.31' });
    expect(info.body.meta.endpoint).toEqual({ name: 'server.info', requested_version: '2.23', actual_version: '2.31' });
  });

  it.each([
    ['no token', undefined, 'ERR_UNAUTHORIZED'],
    ['a token that is not a JWT', 'not-a-token', 'ERR_JWT_MALFORMED'],
  ])('refuses a call with %s (401, stable code)', async (_name, bad, code) => {
    const res = await call('/v2.23/projects.get_all', { token: bad, body: {} });
    expect([res.status, res.body.meta.result_code, res.body.meta.error_data?.code]).toEqual([401, 401, code]);
  });

  it('refuses a token whose payload was altered', async () => {
    // The real token with its company claim swapped: a try at acting in another tenant.
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    claims.identity.company = 'd1bd92a3b039400cbafc60a7a5b1e52b';
    const altered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    const res = await call('/v2.23/projects.get_all', { token: altered, body: {} });
    expect([res.status, res.body.meta.error_data?.code]).toEqual([401, 'ERR_JWS_SIGNATURE_INVALID']);
  });

  it('refuses a token sent by cookie for a change without the CSRF header', async () => {
    const cookie = { Cookie: `clearml_token_basic=${token}` };
    const res = await call('/v2.23/projects.create', { headers: cookie, body: { name: 'by-cookie' } });
    expect([res.status, res.body.meta.error_data?.code]).toEqual([403, 'ERR_CSRF']);
    // tasks.ping writes (it keeps a task alive), so it is no read-only exception.
    const ping = await call('/v2.23/tasks.ping', { headers: cookie, body: { task: 'any-task' } });
    expect([ping.status, ping.body.meta.error_data?.code]).toEqual([403, 'ERR_CSRF']);
    // A read by cookie needs no header.
    expect((await call('/v2.23/projects.get_all', { headers: cookie, body: {} })).status).toBe(200);
  });

  it('answers unknown endpoints and too-new versions in the ClearML envelope, without a stack', async () => {
    const unknown = await call('/v2.23/tasks.no_such_action', { token, body: {} });
    expect([unknown.status, unknown.body.meta.result_code, unknown.body.meta.error_data?.code]).toEqual([404, 400, 'ERR_ENDPOINT_UNKNOWN']);
    expect(unknown.body.meta.error_stack ?? null).toBeNull();
    const future = await call('/v9.0/debug.ping', { body: {} });
    expect([future.status, future.body.meta.error_data?.code]).toEqual([400, 'ERR_API_VERSION']);
  });

  it('refuses every call of a token that must change its password, until the change made through it', async () => {
    const admin = await gateway.createTenant('tenant-reset', 'admin');
    const adminToken = await gateway.login(admin.accessKey, admin.secretKey);
    const username = `rosa-${db}`;
    const temporary = 'temporary passphrase for rosa';
    gateway.issued.push('rosas first passphrase', temporary, 'rosas chosen passphrase');
    const created = await call('/auth.create_user', { token: adminToken, body: { username, password: 'rosas first passphrase' } });
    expect(created.status).toBe(200);
    expect((await call('/auth.reset_password', { token: adminToken, body: { user: created.body.data.id, new_password: temporary } })).status).toBe(200);

    const basic = `Basic ${Buffer.from(`${username}:${temporary}`).toString('base64')}`;
    const restricted = (await call('/auth.login', { headers: { Authorization: basic } })).body.data.token as string;
    gateway.issued.push(restricted);
    for (const path of ['/v2.23/projects.get_all', '/v2.23/tasks.create', '/v2.23/events.get_task_log']) {
      const res = await call(path, { token: restricted, body: { name: 'x', type: 'training', task: 'x' } });
      expect([path, res.status, res.body.meta.error_data?.code]).toEqual([path, 403, 'ERR_PASSWORD_CHANGE_REQUIRED']);
    }
    expect((await call('/v2.23/users.get_current_user', { token: restricted })).body.data.user).toMatchObject({ id: created.body.data.id });

    const changed = await call('/auth.change_password', { token: restricted, body: { old_password: temporary, new_password: 'rosas chosen passphrase' } });
    expect(changed.status).toBe(200);
    const fresh = changed.body.data.token as string;
    gateway.issued.push(fresh);
    expect((await call('/v2.23/projects.get_all', { token: fresh, body: {} })).status).toBe(200);
  }, 30_000);

  it('names a malformed JSON body instead of failing', async () => {
    const res = await call('/v2.23/debug.ping', { raw: '{"broken": ' });
    expect([res.status, res.body.meta.error_data?.code]).toEqual([400, 'ERR_INVALID_JSON']);
  });
});
