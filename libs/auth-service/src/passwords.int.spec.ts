import type { Server } from 'node:http';
import request from 'supertest';
import { generateKey, generateSecret } from '@warden/secrets';
import { AuditTrail, IdentityStore } from '@warden/identity';
import { JwksKeySource, TokenVerifier } from '@warden/tokens';
import { clearmlAuthSchema, gatewayAuthSchema, CLEARML_AUTH_DEFAULTS, GATEWAY_AUTH_DEFAULTS } from './auth-settings';
import { PASSWORD_CHANGE_TOKEN_SEC } from './auth-service';
import { inProcessGateway } from './testing';

// Integration tier: the gateway in-process against the real Redis and MongoDB-wire server, with
// its own database and rate-limit prefix.
// Every change and login runs scrypt, and the machine is shared: give each test room.
jest.setTimeout(20_000);
const db = `warden_int_passwords_${process.pid}_${Date.now()}`;
const secrets = { tokenSecret: generateSecret(), sessionSecret: generateSecret() };
const system = { name: 'apiserver' as const, accessKey: generateKey(), secretKey: generateSecret() };
const ADMIN = { username: 'ada', password: 'correct horse battery staple 42' };
// Fixed users are the operator's (ClearML compatibility): their configured passwords skip the policy.
const WEAK_FIXED = { username: 'fred', password: 'fred' };
const clearml = clearmlAuthSchema.parse({
  ...CLEARML_AUTH_DEFAULTS,
  fixed_users: {
    enabled: true,
    pass_hashed: false,
    users: [
      { ...ADMIN, name: 'Ada Admin', admin: true },
      { ...WEAK_FIXED, name: 'Fred' },
    ],
  },
});
const gatewaySettings = gatewayAuthSchema.parse(GATEWAY_AUTH_DEFAULTS);

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const bearer = (token: string) => `Bearer ${token}`;
const name = (base: string) => `${base}-${db}`;

describe('passwords: policy, change, admin reset (real Redis and MongoDB-wire server)', () => {
  const { logs, backends, app, close } = inProcessGateway({
    name: 'passwords',
    db,
    clearml,
    gateway: gatewaySettings,
    secrets: { ...secrets, systemCredentials: [system] },
  });
  let server: Server;
  let verifier: TokenVerifier;
  let store: IdentityStore;
  let adminToken: string;
  // Every password and token this spec handles, to prove none reaches the logs.
  const secretValues: string[] = [ADMIN.password];

  const login = async (id: string, secret: string) => {
    const res = await request(app).post('/auth.login').set('Authorization', basic(id, secret)).send({});
    if (res.body.data?.token) secretValues.push(res.body.data.token);
    return res;
  };
  const tokenOf = async (id: string, secret: string) => {
    const res = await login(id, secret);
    if (res.status !== 200) throw new Error(`login of ${id} failed with ${res.status} ${JSON.stringify(res.body.meta)}`);
    return res.body.data.token as string;
  };
  const call = (endpoint: string, token: string, body: object = {}) => request(app).post(`/${endpoint}`).set('Authorization', bearer(token)).send(body);
  const codeOf = (res: request.Response) => [res.status, res.body.meta.error_data?.code];
  const userIdOf = async (token: string) => (await verifier.verify(token)).identity.user;
  const createUser = async (username: string, password: string, token = adminToken) => {
    secretValues.push(password);
    const res = await call('auth.create_user', token, { username, password });
    if (res.status !== 200) throw new Error(`create_user ${username} failed: ${JSON.stringify(res.body.meta)}`);
    return res.body.data.id as string;
  };
  const revokedWithin2s = async (token: string) => {
    const started = Date.now();
    for (;;) {
      const res = await call('users.get_current_user', token);
      if (res.body.meta.error_data?.code === 'ERR_JWT_REVOKED') return true;
      if (Date.now() - started > 2000) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  // A second tenant, written straight to the identity database, with an admin of its own.
  const otherTenant = async (label: string) => {
    const company = await store.ensureCompany({ name: `${label} Co` });
    const password = `${label} admin passphrase 31`;
    secretValues.push(password);
    const admin = await store.createUser({ company: company.id, username: name(`${label}-admin`), role: 'admin', password });
    const userPassword = `${label} user passphrase 32`;
    secretValues.push(userPassword);
    const user = await store.createUser({ company: company.id, username: name(`${label}-user`), password: userPassword });
    return { company: company.id, admin, user, userPassword, adminToken: await tokenOf(admin.username, password) };
  };

  beforeAll(async () => {
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    verifier = new TokenVerifier({ keys: new JwksKeySource({ url: `${url}/.well-known/jwks.json` }), issuer: 'warden', audience: 'clearml-api' });
    const deadline = Date.now() + 20_000;
    while ((await request(app).get('/ready')).status !== 200) {
      if (Date.now() > deadline) throw new Error('gateway not ready');
      await new Promise((r) => setTimeout(r, 200));
    }
    store = new IdentityStore({ connection: backends.mongo!.connection, credentialPepper: secrets.tokenSecret });
    adminToken = await tokenOf(ADMIN.username, ADMIN.password);
  }, 30_000);

  afterAll(async () => {
    await store.close();
    await close();
    await new Promise((r) => server.close(r));
  });

  describe('policy on create_user', () => {
    it.each([
      ['too short', 'Tr0ub4dor&3', 'min_length'],
      ['too long', 'long-passphrase '.repeat(17), 'max_length'],
      ['containing the username', 'I am policy-pat, hello', 'username'],
      ['common', 'Password1234', 'common'],
    ])('refuses a password %s with 400 ERR_PASSWORD_POLICY and creates nothing', async (_label, password, rule) => {
      const res = await call('auth.create_user', adminToken, { username: 'policy-pat', password });
      expect([...codeOf(res), res.body.meta.error_data.rule]).toEqual([400, 'ERR_PASSWORD_POLICY', rule]);
      expect(JSON.stringify(res.body)).not.toContain(password);
      expect(await store.findUserByUsername('policy-pat')).toBeNull();
    });

    it('keeps fixed users logging in with their configured passwords', async () => {
      expect((await login(WEAK_FIXED.username, WEAK_FIXED.password)).status).toBe(200);
    });
  });

  describe('auth.change_password', () => {
    it('checks the old password, applies the policy, ends every other session and hands the caller a fresh token', async () => {
      const username = name('carol');
      const userId = await createUser(username, 'carols first passphrase');
      const first = await tokenOf(username, 'carols first passphrase');
      const elsewhere = await tokenOf(username, 'carols first passphrase');

      const wrongOld = await call('auth.change_password', first, { old_password: 'not my passphrase', new_password: 'a brand new passphrase' });
      expect(codeOf(wrongOld)).toEqual([400, 'ERR_INVALID_OLD_PASSWORD']);
      const weak = await call('auth.change_password', first, { old_password: 'carols first passphrase', new_password: 'qwertyuiop123' });
      expect([...codeOf(weak), weak.body.meta.error_data.rule]).toEqual([400, 'ERR_PASSWORD_POLICY', 'common']);
      const same = await call('auth.change_password', first, { old_password: 'carols first passphrase', new_password: 'carols first passphrase' });
      expect([...codeOf(same), same.body.meta.error_data.rule]).toEqual([400, 'ERR_PASSWORD_POLICY', 'unchanged']);
      const missing = await call('auth.change_password', first, { new_password: 'a brand new passphrase' });
      expect(codeOf(missing)).toEqual([400, 'ERR_BAD_REQUEST']);
      for (const res of [wrongOld, weak, same]) expect(JSON.stringify(res.body)).not.toMatch(/carols first passphrase|qwertyuiop123|a brand new passphrase/);
      expect((await call('users.get_current_user', elsewhere)).status).toBe(200);

      secretValues.push('a brand new passphrase');
      const changed = await call('auth.change_password', first, { old_password: 'carols first passphrase', new_password: 'a brand new passphrase' });
      expect(changed.status).toBe(200);
      const fresh = changed.body.data.token as string;
      secretValues.push(fresh);
      expect(String(changed.headers['set-cookie'])).toMatch(/clearml_token_basic=.*HttpOnly/);
      expect(await userIdOf(fresh)).toBe(userId);

      expect(await revokedWithin2s(elsewhere)).toBe(true);
      expect(await revokedWithin2s(first)).toBe(true);
      expect((await call('users.get_current_user', fresh)).status).toBe(200);
      expect(codeOf(await login(username, 'carols first passphrase'))).toEqual([401, 'ERR_INVALID_CREDENTIALS']);
      expect((await login(username, 'a brand new passphrase')).status).toBe(200);
      const audit = new AuditTrail({ connection: backends.mongo!.connection });
      await waitFor(async () => (await audit.list({ user: userId })).some((e) => e.type === 'password.change' && e.outcome === 'success'));
    });

    it('limits guesses of the old password like logins, on the same counters', async () => {
      const username = name('dave');
      await createUser(username, 'daves real passphrase');
      const token = await tokenOf(username, 'daves real passphrase');
      let res = await call('auth.change_password', token, { old_password: 'guess 0', new_password: 'daves next passphrase' });
      for (let i = 1; i < 30 && res.status !== 429; i++)
        res = await call('auth.change_password', token, { old_password: `guess ${i}`, new_password: 'daves next passphrase' });
      expect(codeOf(res)).toEqual([429, 'ERR_RATE_LIMITED']);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // The right old password does not get past the lock, and neither does a login.
      expect(codeOf(await call('auth.change_password', token, { old_password: 'daves real passphrase', new_password: 'daves next passphrase' }))).toEqual([
        429,
        'ERR_RATE_LIMITED',
      ]);
      expect(codeOf(await login(username, 'daves real passphrase'))).toEqual([429, 'ERR_RATE_LIMITED']);
    });

    it('refuses users whose password is not kept here', async () => {
      const fixed = await tokenOf(WEAK_FIXED.username, WEAK_FIXED.password);
      const res = await call('auth.change_password', fixed, { old_password: WEAK_FIXED.password, new_password: 'a new fixed passphrase' });
      expect(codeOf(res)).toEqual([400, 'ERR_BAD_REQUEST']);
      expect(res.body.meta.result_msg).toContain('apiserver.auth.fixed_users');
      // A service identity is refused before any endpoint acting for a caller runs.
      const systemToken = await tokenOf(system.accessKey, system.secretKey);
      expect(codeOf(await call('auth.change_password', systemToken, { old_password: 'x', new_password: 'a new system passphrase' }))).toEqual([
        403,
        'ERR_FORBIDDEN',
      ]);
    });
  });

  describe('auth.reset_password', () => {
    it("sets a generated password shown once, ends the user's tokens, and forces a change before anything else", async () => {
      const username = name('erin');
      const userId = await createUser(username, 'erins own passphrase');
      const before = await tokenOf(username, 'erins own passphrase');

      const reset = await call('auth.reset_password', adminToken, { user: userId });
      expect(reset.status).toBe(200);
      const temporary = reset.body.data.password as string;
      secretValues.push(temporary);
      expect(temporary).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(await revokedWithin2s(before)).toBe(true);
      expect(codeOf(await login(username, 'erins own passphrase'))).toEqual([401, 'ERR_INVALID_CREDENTIALS']);

      const restricted = await tokenOf(username, temporary);
      const claims = await verifier.verify(restricted);
      expect(claims.auth).toEqual({ method: 'password', password_change_required: true });
      expect(claims.exp - claims.iat).toBeLessThanOrEqual(PASSWORD_CHANGE_TOKEN_SEC);
      for (const endpoint of ['auth.create_credentials', 'auth.get_credentials', 'users.get_all', 'auth.reset_password', 'auth.create_user']) {
        expect([endpoint, ...codeOf(await call(endpoint, restricted, { user: userId }))]).toEqual([endpoint, 403, 'ERR_PASSWORD_CHANGE_REQUIRED']);
      }
      // Renewing would otherwise turn it into an ordinary token.
      expect(codeOf(await request(app).post('/auth.login').set('Authorization', bearer(restricted)).send({}))).toEqual([403, 'ERR_PASSWORD_CHANGE_REQUIRED']);
      expect((await call('users.get_current_user', restricted)).body.data.user).toMatchObject({ id: userId });
      expect((await request(app).get('/login.supported_modes').set('Authorization', bearer(restricted))).status).toBe(200);

      secretValues.push('erins second passphrase');
      const changed = await call('auth.change_password', restricted, { old_password: temporary, new_password: 'erins second passphrase' });
      expect(changed.status).toBe(200);
      const fresh = changed.body.data.token as string;
      secretValues.push(fresh);
      expect((await verifier.verify(fresh)).auth).toEqual({ method: 'password' });
      expect((await call('auth.get_credentials', fresh)).status).toBe(200);
      expect(await revokedWithin2s(restricted)).toBe(true);
      expect((await verifier.verify(await tokenOf(username, 'erins second passphrase'))).auth).toEqual({ method: 'password' });
    });

    it("takes an admin's chosen password through the policy and never echoes it", async () => {
      const userId = await createUser(name('frank'), 'franks own passphrase');
      const weak = await call('auth.reset_password', adminToken, { user: userId, new_password: 'QazWsxEdcRfv' });
      expect([...codeOf(weak), weak.body.meta.error_data.rule]).toEqual([400, 'ERR_PASSWORD_POLICY', 'common']);
      secretValues.push('temporary passphrase for frank');
      const chosen = await call('auth.reset_password', adminToken, { user: userId, new_password: 'temporary passphrase for frank' });
      expect([chosen.status, chosen.body.data]).toEqual([200, { updated: 1 }]);
      const claims = await verifier.verify(await tokenOf(name('frank'), 'temporary passphrase for frank'));
      expect(claims.auth.password_change_required).toBe(true);
    });

    it('is for admins, on others, on local users only', async () => {
      const userId = await createUser(name('gina'), 'ginas own passphrase');
      const gina = await tokenOf(name('gina'), 'ginas own passphrase');
      const adminId = await userIdOf(adminToken);
      expect(codeOf(await call('auth.reset_password', gina, { user: adminId }))).toEqual([403, 'ERR_FORBIDDEN']);
      expect(codeOf(await call('auth.reset_password', gina, { user: userId }))).toEqual([403, 'ERR_FORBIDDEN']);
      const fredId = await userIdOf(await tokenOf(WEAK_FIXED.username, WEAK_FIXED.password));
      expect(codeOf(await call('auth.reset_password', adminToken, { user: fredId }))).toEqual([400, 'ERR_BAD_REQUEST']);
      // An admin's own password needs the old one: a stolen admin token alone must not take over the account.
      const own = await call('auth.reset_password', adminToken, { user: adminId });
      expect(codeOf(own)).toEqual([400, 'ERR_BAD_REQUEST']);
      expect(own.body.meta.result_msg).toContain('auth.change_password');
      expect(codeOf(await call('auth.reset_password', adminToken, {}))).toEqual([400, 'ERR_BAD_REQUEST']);
    });
  });

  describe('other tenants', () => {
    // The message names the id it was given; with that masked, a foreign user and no user read the same.
    const shape = (res: request.Response, id: string) => [
      res.status,
      res.body.meta.result_code,
      res.body.meta.result_subcode,
      res.body.meta.error_data,
      res.body.meta.result_msg.replace(id, '<id>'),
      res.body.data,
    ];

    it.each([
      ['auth.edit_user', (user: string) => ({ user, enabled: false })],
      ['auth.get_credentials', (user: string) => ({ user })],
      ['auth.reset_password', (user: string) => ({ user })],
    ])("answers %s on another tenant's user exactly like on a missing one, and changes nothing", async (endpoint, body) => {
      const other = await otherTenant(`x${endpoint.split('.')[1].replace('_', '')}`);
      const missingId = 'f'.repeat(32);
      const foreign = await call(endpoint, adminToken, body(other.user.id));
      const missing = await call(endpoint, adminToken, body(missingId));
      expect(shape(foreign, other.user.id)).toEqual(shape(missing, missingId));
      expect(codeOf(foreign)).toEqual([400, 'ERR_INVALID_USER']);
      expect(await store.getUser(other.user.id)).toMatchObject({ enabled: true });
      expect(await store.getUser(other.user.id)).not.toHaveProperty('must_change_password');
      expect((await login(other.user.username, other.userPassword)).status).toBe(200);
    });

    it('answers a username taken in another tenant like one taken at home, audits it and stops a caller who keeps probing', async () => {
      const home = await otherTenant('home');
      const away = await otherTenant('away');
      const atHome = await call('auth.create_user', home.adminToken, { username: home.user.username });
      const abroad = await call('auth.create_user', home.adminToken, { username: away.user.username.toUpperCase() });
      expect(codeOf(atHome)).toEqual([409, 'ERR_USERNAME_TAKEN']);
      const meta = (res: request.Response) => ({ ...res.body.meta, id: undefined, trx: undefined });
      expect([abroad.status, meta(abroad), abroad.body.data]).toEqual([atHome.status, meta(atHome), atHome.body.data]);
      expect(JSON.stringify(abroad.body)).not.toMatch(new RegExp(`away|${away.company}`, 'i'));

      let res = abroad;
      for (let i = 0; i < 20 && res.status !== 429; i++) res = await call('auth.create_user', home.adminToken, { username: `${away.user.username}` });
      expect(codeOf(res)).toEqual([429, 'ERR_RATE_LIMITED']);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // A free name is refused too while the caller is stopped, so the 429 itself tells nothing.
      expect(codeOf(await call('auth.create_user', home.adminToken, { username: name('free-name') }))).toEqual([429, 'ERR_RATE_LIMITED']);
      // Another admin is not affected.
      expect((await call('auth.create_user', adminToken, { username: name('still-free') })).status).toBe(200);

      const audit = new AuditTrail({ connection: backends.mongo!.connection });
      await waitFor(async () =>
        (await audit.list({ company: home.company })).some((e) => e.type === 'user.create' && e.outcome === 'failure' && e.reason === 'ERR_USERNAME_TAKEN'),
      );
    });
  });

  it('never writes a password or token to its logs', () => {
    expect(logs.lines.length).toBeGreaterThan(10);
    for (const value of [...secretValues, secrets.tokenSecret, secrets.sessionSecret, system.secretKey]) expect(logs.text).not.toContain(value);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
