import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import mongoose from 'mongoose';
import request from 'supertest';
import { connectBackends } from '@warden/backends';
import { HOSTS_DEFAULTS, hostsSchema } from '@warden/config';
import { createLogger, createServiceApp } from '@warden/http';
import { CapturedLogs } from '@warden/http/testing';
import { AuditTrail, IdentityStore } from '@warden/identity';
import { SecretScrubber, generateKey, generateSecret } from '@warden/secrets';
import { CLEARML_AUTH_DEFAULTS, GATEWAY_AUTH_DEFAULTS, clearmlAuthSchema, gatewayAuthSchema } from './auth-settings';
import { DEFAULT_COMPANY, createGateway, type Gateway } from './create-gateway';

// Integration tier: two gateways in-process (the operator endpoint on and off) against the real
// Redis and MongoDB-wire server, on a database an older Warden version has already set up.
const db = `warden_int_operator_${process.pid}_${Date.now()}`;
const mongoUrl = `mongodb://127.0.0.1:27017/${db}`;
const hosts = hostsSchema.parse({ ...HOSTS_DEFAULTS, mongo: { backend: { host: mongoUrl }, auth: { host: mongoUrl } } });
const apiserver = { name: 'apiserver' as const, accessKey: generateKey(), secretKey: generateSecret() };
const fileserver = { name: 'fileserver' as const, accessKey: generateKey(), secretKey: generateSecret() };
const secrets = { tokenSecret: generateSecret(), sessionSecret: generateSecret() };
const OPERATOR_SECRET = generateSecret();
const clearml = clearmlAuthSchema.parse(CLEARML_AUTH_DEFAULTS);
const gatewaySettings = gatewayAuthSchema.parse(GATEWAY_AUTH_DEFAULTS);

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const bearer = (token: string) => `Bearer ${token}`;
const hexId = () => randomUUID().replace(/-/g, '');

describe('service identities and the operator (real Redis and MongoDB-wire server)', () => {
  const logs = new CapturedLogs();
  const logger = createLogger({ name: 'operator-test', level: 'info', scrubber: new SecretScrubber(), destination: logs });
  const backends = connectBackends(hosts, { redis: true, mongo: 'auth' }, logger);
  const gateways: Gateway[] = [];
  const revealed: string[] = [OPERATOR_SECRET, apiserver.secretKey, fileserver.secretKey];
  let app: Express;
  let closedApp: Express;
  let victim: { company: string; admin: string; accessKey: string };

  const appFor = (operatorSecret: string | undefined, prefix: string) => {
    const gateway = createGateway({
      clearml,
      gateway: gatewaySettings,
      // The configuration of a ClearML deployment still names the fileserver's credentials.
      secrets: { ...secrets, operatorSecret, systemCredentials: [apiserver, fileserver] },
      mongo: backends.mongo!.connection,
      redis: backends.redis!.client,
      logger,
      rateLimitPrefix: `warden-test-${prefix}-${db}`,
    });
    gateways.push(gateway);
    return createServiceApp({
      logger,
      scrubber: new SecretScrubber(),
      readiness: gateway.readiness,
      state: { draining: false, warnings: [] },
      exposeStacks: false,
      routes: gateway.routes,
    });
  };
  const found = (body: object, secret = OPERATOR_SECRET) => request(app).post('/operator/tenants').set('Authorization', bearer(secret)).send(body);
  const login = async (id: string, secret: string) => {
    const res = await request(app).post('/auth.login').set('Authorization', basic(id, secret)).send({});
    if (res.body.data?.token) revealed.push(res.body.data.token);
    return res;
  };
  const withStore = async <T>(use: (store: IdentityStore) => Promise<T>): Promise<T> => {
    const store = new IdentityStore({ connection: backends.mongo!.connection, credentialPepper: secrets.tokenSecret });
    try {
      return await use(store);
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    // What an older version left behind: an active system credential for the fileserver.
    const old = await mongoose.createConnection(mongoUrl).asPromise();
    const oldStore = new IdentityStore({ connection: old, credentialPepper: secrets.tokenSecret });
    await oldStore.ensureIndexes();
    await oldStore.bootstrapSystemCredentials({
      companyId: DEFAULT_COMPANY.id,
      companyName: DEFAULT_COMPANY.name,
      credentials: [apiserver, fileserver],
      revoke: [],
    });
    await oldStore.close();
    await old.close();

    app = appFor(OPERATOR_SECRET, 'on');
    closedApp = appFor(undefined, 'off');
    const deadline = Date.now() + 20_000;
    while ((await request(app).get('/ready')).status !== 200 || (await request(closedApp).get('/ready')).status !== 200) {
      if (Date.now() > deadline) throw new Error('gateways not ready');
      await new Promise((r) => setTimeout(r, 200));
    }
    const company = hexId();
    const res = await found({ company_id: company, company_name: 'victim-co', admin: { username: `vera-${db}` } });
    revealed.push(res.body.credentials.secret_key);
    victim = { company, admin: res.body.admin.id, accessKey: res.body.credentials.access_key };
  }, 30_000);

  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    await backends.mongo!.connection.dropDatabase().catch(() => undefined);
    await backends.close();
  });

  it('revokes the fileserver credentials an older version stored: they log nobody in', async () => {
    const res = await login(fileserver.accessKey, fileserver.secretKey);
    expect([res.status, res.body.meta.error_data.code]).toEqual([401, 'ERR_CREDENTIALS_REVOKED']);
  });

  describe('a token of the apiserver service identity', () => {
    let token: string;
    beforeAll(async () => {
      token = (await login(apiserver.accessKey, apiserver.secretKey)).body.data.token as string;
    });

    it.each([
      ['create a user in its own company', 'auth.create_user', () => ({ username: `sys-user-${db}`, password: 'a long enough passphrase 1' })],
      [
        'create an admin in its own company',
        'auth.create_user',
        () => ({ username: `sys-admin-${db}`, role: 'admin', password: 'a long enough passphrase 2' }),
      ],
      [
        'create an admin in another tenant',
        'auth.create_user',
        () => ({ company: victim.company, username: `sys-planted-${db}`, role: 'admin', password: 'a long enough passphrase 3' }),
      ],
      [
        'found a company with an admin',
        'auth.create_user',
        () => ({ company: 'e'.repeat(32), company_name: 'planted', username: `sys-founder-${db}`, role: 'admin' }),
      ],
      ["disable another tenant's admin", 'auth.edit_user', () => ({ user: victim.admin, enabled: false })],
      ['create credentials', 'auth.create_credentials', () => ({})],
      ['list its credentials', 'auth.get_credentials', () => ({})],
      ["list another tenant's credentials", 'auth.get_credentials', () => ({ user: victim.admin })],
      ['relabel its credentials', 'auth.edit_credentials', () => ({ access_key: apiserver.accessKey, label: 'x' })],
      ["revoke another tenant's credentials", 'auth.revoke_credentials', () => ({ access_key: victim.accessKey })],
      ['list users', 'users.get_all', () => ({})],
      ["reset another tenant's admin password", 'auth.reset_password', () => ({ user: victim.admin })],
      ['set a password of its own', 'auth.change_password', () => ({ old_password: 'x', new_password: 'a system passphrase of its own' })],
    ])('cannot %s (%s)', async (_label, endpoint, body) => {
      const res = await request(app).post(`/${endpoint}`).set('Authorization', bearer(token)).send(body());
      expect([res.status, res.body.meta.error_data.code]).toEqual([403, 'ERR_FORBIDDEN']);
    });

    it('left no trace: no user, no company, the victim still enabled with its key', async () => {
      await withStore(async (store) => {
        for (const name of ['sys-user', 'sys-admin', 'sys-planted', 'sys-founder']) expect(await store.findUserByUsername(`${name}-${db}`)).toBeNull();
        expect(await store.getCompany('e'.repeat(32))).toBeNull();
        expect(await store.getUser(victim.admin)).toMatchObject({ enabled: true, role: 'admin', company: victim.company });
        expect((await store.getCredential(victim.accessKey))?.revoked).toBeUndefined();
      });
    });

    it('does not open the operator endpoint', async () => {
      const res = await found({ company_name: 'by-token', admin: { username: `by-token-${db}` } }, token);
      expect([res.status, res.body.meta.error_data.code]).toEqual([401, 'ERR_INVALID_CREDENTIALS']);
    });
  });

  it("founds a tenant: the admin's one-time API credentials log in as the admin of the new company only", async () => {
    const res = await found({ company_name: 'Acme Research', admin: { username: `ada-${db}`, name: 'Ada', email: 'ada@example.com' } });
    expect([res.status, res.headers['cache-control']]).toEqual([201, 'no-store']);
    expect(res.body).toMatchObject({
      company: { id: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'Acme Research' },
      admin: { username: `ada-${db}`, name: 'Ada', role: 'admin' },
      password_set: false,
    });
    revealed.push(res.body.credentials.secret_key);
    const token = (await login(res.body.credentials.access_key, res.body.credentials.secret_key)).body.data.token as string;
    const me = await request(app).post('/users.get_current_user').set('Authorization', bearer(token)).send({});
    expect(me.body.data.user).toMatchObject({ id: res.body.admin.id, role: 'admin', company: { id: res.body.company.id, name: 'Acme Research' } });
    const cross = await request(app).post('/auth.edit_user').set('Authorization', bearer(token)).send({ user: victim.admin, enabled: false });
    expect([cross.status, cross.body.meta.error_data.code]).toEqual([400, 'ERR_INVALID_USER']);
  });

  it('founds a tenant whose admin logs in with the password given instead of API credentials', async () => {
    const password = 'founding admin passphrase 31';
    revealed.push(password);
    const res = await found({ company_name: 'Pass Co', admin: { username: `pat-${db}`, password } });
    expect([res.status, res.body.password_set, res.body.credentials]).toEqual([201, true, undefined]);
    expect((await login(`pat-${db}`, password)).status).toBe(200);
  });

  it.each([
    ['an existing company', () => ({ company_id: victim.company, company_name: 'again', admin: { username: `intruder-${db}` } }), 409, 'ERR_TENANT_EXISTS'],
    [
      'the default company',
      () => ({ company_id: DEFAULT_COMPANY.id, company_name: 'clearml', admin: { username: `intruder2-${db}` } }),
      409,
      'ERR_TENANT_EXISTS',
    ],
    ['a username taken in another tenant', () => ({ company_name: 'dup-user-co', admin: { username: `VERA-${db}` } }), 409, 'ERR_USERNAME_TAKEN'],
    ['a malformed company id', () => ({ company_id: 'Acme', company_name: 'bad-id-co', admin: { username: `bad-id-${db}` } }), 400, 'ERR_BAD_REQUEST'],
    ['no admin', () => ({ company_name: 'no-admin-co' }), 400, 'ERR_BAD_REQUEST'],
    ['no company name', () => ({ admin: { username: `no-name-${db}` } }), 400, 'ERR_BAD_REQUEST'],
    ['an admin without a username', () => ({ company_name: 'no-admin-co', admin: { name: 'Nameless' } }), 400, 'ERR_BAD_REQUEST'],
    ['a username that is not a string', () => ({ company_name: 'no-admin-co', admin: { username: { $ne: null } } }), 400, 'ERR_BAD_REQUEST'],
    ['a reserved username', () => ({ company_name: 'reserved-co', admin: { username: '__apiserver2' } }), 400, 'ERR_BAD_REQUEST'],
    ['an empty password', () => ({ company_name: 'empty-pass-co', admin: { username: `empty-pass-${db}`, password: '' } }), 400, 'ERR_PASSWORD_POLICY'],
    [
      'a common password',
      () => ({ company_name: 'empty-pass-co', admin: { username: `common-pass-${db}`, password: 'password123' } }),
      400,
      'ERR_PASSWORD_POLICY',
    ],
    ['a list for a body', () => [1, 2], 400, 'ERR_BAD_REQUEST'],
  ])('refuses to found with %s, and leaves no half-founded tenant', async (_label, body, status, code) => {
    const res = await found(body());
    expect([res.status, res.body.meta.error_data.code]).toEqual([status, code]);
    await withStore(async (store) => {
      expect((await store.listUsers(victim.company)).map((u) => u.id)).toEqual([victim.admin]);
      const companies = await backends
        .mongo!.connection.collection('companies')
        .find({ name: { $in: ['again', 'dup-user-co', 'bad-id-co', 'no-admin-co', 'reserved-co', 'empty-pass-co'] } })
        .toArray();
      expect(companies).toEqual([]);
    });
  });

  it('answers malformed JSON with 400 and a body over 16 KiB with 413', async () => {
    const res = await request(app)
      .post('/operator/tenants')
      .set('Authorization', bearer(OPERATOR_SECRET))
      .set('Content-Type', 'application/json')
      .send('{"company_name":');
    expect([res.status, res.body.meta.error_data.code]).toEqual([400, 'ERR_INVALID_JSON']);
    const big = await found({ company_name: 'x'.repeat(17 * 1024), admin: { username: `big-${db}` } });
    expect([big.status, big.body.meta.error_data.code]).toEqual([413, 'ERR_PAYLOAD_TOO_LARGE']);
  });

  it('is off while no operator secret is set, whatever the caller sends', async () => {
    const res = await request(closedApp)
      .post('/operator/tenants')
      .set('Authorization', bearer(OPERATOR_SECRET))
      .send({ company_name: 'closed', admin: { username: `closed-${db}` } });
    expect([res.status, res.body.meta.error_data.code]).toEqual([404, 'ERR_ENDPOINT_UNKNOWN']);
    await withStore(async (store) => expect(await store.findUserByUsername(`closed-${db}`)).toBeNull());
  });

  it('refuses a missing or wrong secret, then limits the client, audits every attempt and logs no secret', async () => {
    const body = { company_name: 'guessed', admin: { username: `guessed-${db}` } };
    const missing = await request(app).post('/operator/tenants').send(body);
    expect([missing.status, missing.body.meta.error_data.code]).toEqual([401, 'ERR_UNAUTHORIZED']);
    const nearMiss = `${OPERATOR_SECRET.slice(0, -1)}${OPERATOR_SECRET.endsWith('a') ? 'b' : 'a'}`;
    let res = await found(body, nearMiss);
    expect([res.status, res.body.meta.error_data.code]).toEqual([401, 'ERR_INVALID_CREDENTIALS']);
    for (let i = 0; i < 20 && res.status !== 429; i++) res = await found(body, generateSecret());
    expect([res.status, res.body.meta.error_data.code]).toEqual([429, 'ERR_RATE_LIMITED']);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // Once limited, even the right secret waits: a prober learns nothing from the answer.
    const right = await found(body);
    expect([right.status, right.body.meta.error_data.code]).toEqual([429, 'ERR_RATE_LIMITED']);
    await withStore(async (store) => expect(await store.findUserByUsername(`guessed-${db}`)).toBeNull());

    const audit = new AuditTrail({ connection: backends.mongo!.connection });
    let events: Awaited<ReturnType<AuditTrail['list']>> = [];
    for (const deadline = Date.now() + 3000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      events = (await audit.list({ limit: 1000 })).filter((e) => e.type === 'tenant.create');
      if (
        ['ERR_RATE_LIMITED', 'ERR_ENDPOINT_UNKNOWN', 'ERR_INVALID_JSON'].every((r) => events.some((e) => e.reason === r)) &&
        events.filter((e) => e.outcome === 'success').length >= 3
      )
        break;
    }
    await audit.close();
    const reasons = new Set(events.filter((e) => e.outcome === 'failure').map((e) => e.reason));
    expect([...reasons].sort()).toEqual([
      'ERR_BAD_REQUEST',
      'ERR_ENDPOINT_UNKNOWN',
      'ERR_INVALID_CREDENTIALS',
      'ERR_INVALID_JSON',
      'ERR_PASSWORD_POLICY',
      'ERR_PAYLOAD_TOO_LARGE',
      'ERR_RATE_LIMITED',
      'ERR_TENANT_EXISTS',
      'ERR_UNAUTHORIZED',
      'ERR_USERNAME_TAKEN',
    ]);
    expect(events.filter((e) => e.outcome === 'success').map((e) => e.company)).toEqual(expect.arrayContaining([victim.company]));
    expect(logs.text).toContain('operator action refused');
    expect(logs.text).toContain('tenant founded');
    for (const value of [...revealed, nearMiss]) {
      expect(logs.text).not.toContain(value);
      expect(JSON.stringify(events)).not.toContain(value);
    }
  });
});
