import type { Server } from 'node:http';
import request from 'supertest';
import { generateKey, generateSecret } from '@warden/secrets';
import { IdentityStore, type AdminActor } from '@warden/identity';
import { clearmlAuthSchema, gatewayAuthSchema, CLEARML_AUTH_DEFAULTS, GATEWAY_AUTH_DEFAULTS } from './auth-settings';
import { inProcessGateway } from './testing';

// Integration tier: the gateway's company administration as wired, against the real Redis and
// MongoDB-wire server: what an admin does reaches every token check of the gateway.
jest.setTimeout(30_000);
const db = `warden_int_company_admin_${process.pid}_${Date.now()}`;
const secrets = { tokenSecret: generateSecret(), sessionSecret: generateSecret() };
const system = { name: 'apiserver' as const, accessKey: generateKey(), secretKey: generateSecret() };
const PASSWORD = 'correct horse battery staple 42';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const bearer = (token: string) => `Bearer ${token}`;

describe('company administration through the gateway (real Redis and MongoDB-wire server)', () => {
  const { app, gateway, backends, close } = inProcessGateway({
    name: 'company-admin',
    db,
    clearml: clearmlAuthSchema.parse(CLEARML_AUTH_DEFAULTS),
    gateway: gatewayAuthSchema.parse(GATEWAY_AUTH_DEFAULTS),
    secrets: { ...secrets, systemCredentials: [system] },
  });
  let server: Server;
  let store: IdentityStore;
  let actor: AdminActor;
  let adminName: string;

  const login = (id: string, secret: string) => request(app).post('/auth.login').set('Authorization', basic(id, secret)).send({});
  const tokenOf = async (id: string, secret: string) => {
    const res = await login(id, secret);
    if (res.status !== 200) throw new Error(`login of ${id} failed with ${res.status}`);
    return res.body.data.token as string;
  };
  const call = (endpoint: string, token: string, body: object = {}) => request(app).post(`/${endpoint}`).set('Authorization', bearer(token)).send(body);
  const codeOf = (res: request.Response) => [res.status, res.body.meta.error_data?.code];
  const refusedWithin2s = async (token: string) => {
    const started = Date.now();
    for (;;) {
      const res = await call('users.get_current_user', token);
      if (res.status === 401) return Date.now() - started;
      if (Date.now() - started > 2000) return Infinity;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const eventually = async <T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> => {
    const deadline = Date.now() + 3000;
    for (;;) {
      const value = await read();
      if (ok(value) || Date.now() > deadline) return value;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const deadline = Date.now() + 20_000;
    while ((await request(app).get('/ready')).status !== 200) {
      if (Date.now() > deadline) throw new Error('gateway not ready');
      await new Promise((r) => setTimeout(r, 200));
    }
    store = new IdentityStore({ connection: backends.mongo!.connection, credentialPepper: secrets.tokenSecret });
    const company = await store.ensureCompany({ name: 'Admin Co' });
    adminName = `boss-${db}`;
    const admin = await store.createUser({ company: company.id, username: adminName, role: 'admin', password: PASSWORD });
    actor = { user: admin.id, company: company.id };
  }, 30_000);

  afterAll(async () => {
    await store.close();
    await close();
    await new Promise((r) => server.close(r));
  });

  it("disabling a user throws out its sessions and its API keys' tokens within 2 s and refuses its keys", async () => {
    const { user } = await gateway.admin.users.create(actor, { username: `worker-${db}` });
    await store.setPassword(user.id, PASSWORD);
    const key = await store.createCredentials(user.id);
    const passwordToken = await tokenOf(user.username, PASSWORD);
    const keyToken = await tokenOf(key.access_key, key.secret_key);
    await call('users.get_current_user', keyToken).expect(200);

    await gateway.admin.users.setEnabled(actor, user.id, false);
    expect(await refusedWithin2s(passwordToken)).toBeLessThan(2000);
    expect(await refusedWithin2s(keyToken)).toBeLessThan(2000);
    expect(codeOf(await login(key.access_key, key.secret_key))).toEqual([401, 'ERR_USER_DISABLED']);
    expect(codeOf(await login(user.username, PASSWORD))).toEqual([401, 'ERR_USER_DISABLED']);

    await gateway.admin.users.setEnabled(actor, user.id, true);
    expect((await login(key.access_key, key.secret_key)).status).toBe(200);
    expect(await refusedWithin2s(keyToken)).toBeLessThan(2000);
  });

  it('auth.edit_user follows the same rules: no self-disable, answered with a stable code', async () => {
    const token = await tokenOf(adminName, PASSWORD);
    expect(codeOf(await call('auth.edit_user', token, { user: actor.user, enabled: false }))).toEqual([400, 'ERR_SELF_LOCKOUT']);
    expect((await store.getUser(actor.user))?.enabled).toBe(true);
  });

  it("records refused logins and lock-outs in the named account's company, where its admins see them", async () => {
    const { user } = await gateway.admin.users.create(actor, { username: `guessed-${db}` });
    await store.setPassword(user.id, PASSWORD);
    let locked = false;
    for (let i = 0; i < 15 && !locked; i++) locked = (await login(user.username, `wrong guess ${i}`)).status === 429;
    expect(locked).toBe(true);
    const page = await eventually(
      () => gateway.admin.audit(actor, { types: ['login', 'login.locked'], limit: 200 }),
      (p) => p.events.some((e) => e.type === 'login.locked'),
    );
    const mine = page.events.filter((e) => e.username === user.username);
    expect(mine.some((e) => e.type === 'login' && e.outcome === 'failure' && e.reason === 'ERR_INVALID_CREDENTIALS')).toBe(true);
    expect(mine.some((e) => e.type === 'login.locked' && e.reason === 'ERR_RATE_LIMITED')).toBe(true);
    expect(JSON.stringify(page)).not.toContain('wrong guess');
  });
});
