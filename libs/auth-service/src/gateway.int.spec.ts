import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import request from 'supertest';
import { generateKey, generateSecret } from '@warden/secrets';
import { IdentityStore } from '@warden/identity';
import { JwksKeySource, TokenVerifier } from '@warden/tokens';
import { clearmlAuthSchema, gatewayAuthSchema, CLEARML_AUTH_DEFAULTS, GATEWAY_AUTH_DEFAULTS } from './auth-settings';
import { DEFAULT_COMPANY } from './create-gateway';
import { inProcessGateway } from './testing';

// Integration tier: the gateway in-process against the real Redis and MongoDB-wire server.
const db = `warden_int_gateway_${process.pid}_${Date.now()}`;
const system = Object.fromEntries(['apiserver', 'fileserver', 'webserver', 'tests'].map((n) => [n, { accessKey: generateKey(), secretKey: generateSecret() }]));
const secrets = { tokenSecret: generateSecret(), sessionSecret: generateSecret(), operatorSecret: generateSecret() };
const ADMIN = { username: 'ada', password: 'correct horse battery staple 42' };
const clearml = clearmlAuthSchema.parse({
  ...CLEARML_AUTH_DEFAULTS,
  fixed_users: {
    enabled: true,
    pass_hashed: false,
    users: [
      { ...ADMIN, name: 'Ada Admin', admin: true },
      { username: 'bob', password: 'bobs own passphrase 17', name: 'Bob' },
    ],
  },
});
const gatewaySettings = gatewayAuthSchema.parse(GATEWAY_AUTH_DEFAULTS);

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const bearer = (token: string) => `Bearer ${token}`;

describe('auth gateway (real Redis and MongoDB-wire server)', () => {
  const { logs, backends, app, close } = inProcessGateway({
    name: 'login',
    db,
    clearml,
    gateway: gatewaySettings,
    secrets: { ...secrets, systemCredentials: Object.entries(system).map(([name, c]) => ({ name: name as 'tests', ...c })) },
  });
  let server: Server;
  let url: string;
  const verifierFor = (audience: string) => new TokenVerifier({ keys: new JwksKeySource({ url: `${url}/.well-known/jwks.json` }), issuer: 'warden', audience });
  const issuedValues: string[] = [];
  const login = async (id: string, secret: string) => {
    const res = await request(app).post('/auth.login').set('Authorization', basic(id, secret)).send({});
    if (res.body.data?.token) issuedValues.push(res.body.data.token);
    return res;
  };

  beforeAll(async () => {
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const deadline = Date.now() + 20_000;
    while ((await request(app).get('/ready')).status !== 200) {
      if (Date.now() > deadline) throw new Error(`gateway not ready: ${JSON.stringify((await request(app).get('/ready')).body)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 30_000);

  afterAll(async () => {
    await close();
    await new Promise((r) => server.close(r));
  });

  it('logs in with key:secret and returns a token that the apiserver and fileserver verifiers accept', async () => {
    const res = await login(system.apiserver.accessKey, system.apiserver.secretKey);
    expect(res.status).toBe(200);
    const { token } = res.body.data as { token: string };
    const api = await verifierFor('clearml-api').verify(token);
    const files = await verifierFor('clearml-files').verify(token);
    expect(api.identity).toMatchObject({ company: DEFAULT_COMPANY.id, role: 'system' });
    expect(files.sub).toBe(api.sub);
    expect(api).toMatchObject({
      api_version: expect.any(String),
      server_version: expect.any(String),
      auth: { method: 'credentials', access_key: system.apiserver.accessKey },
    });
  });

  it('logs in with username:password, then manages its own API credentials', async () => {
    const res = await login(ADMIN.username, ADMIN.password);
    expect(res.status).toBe(200);
    const token = res.body.data.token as string;
    const claims = await verifierFor('clearml-api').verify(token);
    expect(claims.identity).toMatchObject({ role: 'admin', user_name: 'Ada Admin' });

    const created = await request(app).post('/auth.create_credentials').set('Authorization', bearer(token)).send({ label: 'laptop' });
    expect(created.status).toBe(200);
    const { access_key, secret_key } = created.body.data.credentials as { access_key: string; secret_key: string };
    issuedValues.push(secret_key);
    expect(access_key).toMatch(/^[A-Z0-9]{30}$/);

    const listed = await request(app).post('/auth.get_credentials').set('Authorization', bearer(token)).send({});
    expect(listed.body.data.credentials).toEqual([expect.objectContaining({ access_key, label: 'laptop' })]);
    expect(JSON.stringify(listed.body)).not.toContain(secret_key);

    const again = await login(access_key, secret_key);
    expect(again.status).toBe(200);
    expect((await verifierFor('clearml-api').verify(again.body.data.token)).identity.user).toBe(claims.identity.user);
  });

  it.each([
    ['a wrong secret', () => [system.apiserver.accessKey, generateSecret()], 'ERR_INVALID_CREDENTIALS'],
    ['an unknown key', () => [generateKey(), generateSecret()], 'ERR_INVALID_CREDENTIALS'],
    ['a wrong password', () => ['bob', 'not bobs passphrase'], 'ERR_INVALID_CREDENTIALS'],
    ['the webserver credentials, revoked because web login is on', () => [system.webserver.accessKey, system.webserver.secretKey], 'ERR_CREDENTIALS_REVOKED'],
    ['the tests credentials, revoked because web login is on', () => [system.tests.accessKey, system.tests.secretKey], 'ERR_CREDENTIALS_REVOKED'],
  ])('refuses %s with 401 and a stable code', async (_label, pair, code) => {
    const [id, secret] = pair();
    const res = await login(id, secret);
    expect([res.status, res.body.meta.error_data.code, res.body.meta.result_code]).toEqual([401, code, 401]);
    expect(res.body.data).toEqual({});
  });

  it('refuses a revoked credential, and every token issued under it within 2 s', async () => {
    const bob = (await login('bob', 'bobs own passphrase 17')).body.data.token as string;
    const created = (await request(app).post('/auth.create_credentials').set('Authorization', bearer(bob)).send({})).body.data.credentials;
    issuedValues.push(created.secret_key);
    const token = (await login(created.access_key, created.secret_key)).body.data.token as string;
    const verifier = verifierFor('clearml-files');
    await verifier.verify(token);

    const revoked = await request(app).post('/auth.revoke_credentials').set('Authorization', bearer(bob)).send({ access_key: created.access_key });
    expect(revoked.status).toBe(200);
    expect((await login(created.access_key, created.secret_key)).body.meta.error_data.code).toBe('ERR_CREDENTIALS_REVOKED');
    const started = Date.now();
    // The API's verifier in this process hears of it through Redis like any other verifier would.
    for (;;) {
      const res = await request(app).post('/users.get_current_user').set('Authorization', bearer(token)).send({});
      if (res.status === 401) {
        expect(res.body.meta.error_data.code).toBe('ERR_JWT_REVOKED');
        break;
      }
      expect(Date.now() - started).toBeLessThan(2000);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('lets an admin disable a user: its logins and tokens are refused', async () => {
    const admin = (await login(ADMIN.username, ADMIN.password)).body.data.token as string;
    const bobLogin = await login('bob', 'bobs own passphrase 17');
    const bobToken = bobLogin.body.data.token as string;
    const bobId = (await verifierFor('clearml-api').verify(bobToken)).identity.user;

    const bobTries = await request(app).post('/auth.edit_user').set('Authorization', bearer(bobToken)).send({ user: bobId, enabled: false });
    expect([bobTries.status, bobTries.body.meta.error_data.code]).toEqual([403, 'ERR_FORBIDDEN']);

    const disabled = await request(app).post('/auth.edit_user').set('Authorization', bearer(admin)).send({ user: bobId, enabled: false });
    expect(disabled.status).toBe(200);
    expect((await login('bob', 'bobs own passphrase 17')).body.meta.error_data.code).toBe('ERR_USER_DISABLED');
    const deadline = Date.now() + 2000;
    let code: string | undefined;
    while (Date.now() < deadline && code !== 'ERR_JWT_REVOKED') {
      code = (await request(app).post('/users.get_current_user').set('Authorization', bearer(bobToken)).send({})).body.meta.error_data.code;
    }
    expect(code).toBe('ERR_JWT_REVOKED');
    await request(app).post('/auth.edit_user').set('Authorization', bearer(admin)).send({ user: bobId, enabled: true }).expect(200);
    // Re-enabling brings back no token from before the disable, here or after a re-read of Redis.
    const stillRefused = await request(app).post('/users.get_current_user').set('Authorization', bearer(bobToken)).send({});
    expect(stillRefused.body.meta.error_data.code).toBe('ERR_JWT_REVOKED');
    const stored = await backends.mongo!.connection.collection('users').findOne({ _id: bobId as never });
    expect(stored?.tokens_valid_after).toBeInstanceOf(Date);
    // Logins in the second of the disable are refused too (token times are whole seconds).
    await new Promise((r) => setTimeout(r, 1100));
    const again = await login('bob', 'bobs own passphrase 17');
    expect(again.status).toBe(200);
    await request(app).post('/users.get_current_user').set('Authorization', bearer(again.body.data.token)).send({}).expect(200);
  });

  it('ends a whole login at logout: a token renewed from it is refused too, another login is not', async () => {
    const first = (await login('bob', 'bobs own passphrase 17')).body.data.token as string;
    const other = (await login('bob', 'bobs own passphrase 17')).body.data.token as string;
    const renewal = await request(app).post('/auth.login').set('Authorization', bearer(first)).send({ expiration_sec: 600 });
    expect(renewal.status).toBe(200);
    const renewed = renewal.body.data.token as string;
    issuedValues.push(renewed);
    const [a, b] = await Promise.all([first, renewed].map((t) => verifierFor('clearml-api').verify(t)));
    expect(b).toMatchObject({ fam: a.fam, auth_time: a.auth_time });
    expect(b.session_id).not.toBe(a.session_id);

    await request(app).post('/auth.logout').set('Authorization', bearer(first)).send({}).expect(200);
    const after = await request(app).post('/users.get_current_user').set('Authorization', bearer(renewed)).send({});
    expect([after.status, after.body.meta.error_data.code]).toEqual([401, 'ERR_JWT_REVOKED']);
    const renewAgain = await request(app).post('/auth.login').set('Authorization', bearer(renewed)).send({});
    expect(renewAgain.body.meta.error_data.code).toBe('ERR_JWT_REVOKED');
    await request(app).post('/users.get_current_user').set('Authorization', bearer(other)).send({}).expect(200);
    expect(await backends.mongo!.connection.collection('revoked_families').countDocuments({ _id: a.fam as never })).toBe(1);
  });

  it('signs a user out everywhere, by itself or by an admin of its company only', async () => {
    const username = `sam-${db}`;
    const password = 'sams long passphrase 33';
    const admin = (await login(ADMIN.username, ADMIN.password)).body.data.token as string;
    const created = await request(app).post('/auth.create_user').set('Authorization', bearer(admin)).send({ username, password });
    const samId = created.body.data.id as string;
    const [one, two] = [(await login(username, password)).body.data.token as string, (await login(username, password)).body.data.token as string];
    const me = (token: string) => request(app).post('/users.get_current_user').set('Authorization', bearer(token)).send({});

    const notAdmin = await request(app)
      .post('/auth.revoke_sessions')
      .set('Authorization', bearer(one))
      .send({ user: (await verifierFor('clearml-api').verify(admin)).identity.user });
    expect([notAdmin.status, notAdmin.body.meta.error_data.code]).toEqual([403, 'ERR_FORBIDDEN']);
    const self = await request(app).post('/auth.revoke_sessions').set('Authorization', bearer(one)).send({});
    expect(self.status).toBe(200);
    expect(String(self.headers['set-cookie'])).toMatch(/clearml_token_basic=;/);
    for (const token of [one, two]) expect((await me(token)).body.meta.error_data.code).toBe('ERR_JWT_REVOKED');

    await new Promise((r) => setTimeout(r, 1100));
    const three = (await login(username, password)).body.data.token as string;
    await me(three).expect(200);
    const store = new IdentityStore({ connection: backends.mongo!.connection, credentialPepper: secrets.tokenSecret });
    const elsewhere = await store.ensureCompany({ name: 'Elsewhere' });
    await store.createUser({ company: elsewhere.id, username: `xena-${db}`, role: 'admin', password: 'xenas long passphrase 21' });
    await store.close();
    const outsider = (await login(`xena-${db}`, 'xenas long passphrase 21')).body.data.token as string;
    const cross = await request(app).post('/auth.revoke_sessions').set('Authorization', bearer(outsider)).send({ user: samId });
    expect([cross.status, cross.body.meta.error_data.code]).toEqual([400, 'ERR_INVALID_USER']);
    await me(three).expect(200);
    await request(app).post('/auth.revoke_sessions').set('Authorization', bearer(admin)).send({ user: samId }).expect(200);
    expect((await me(three)).body.meta.error_data.code).toBe('ERR_JWT_REVOKED');
    await me(admin).expect(200);
  });

  it("lists only the users of the caller's company", async () => {
    const store = new IdentityStore({ connection: backends.mongo!.connection, credentialPepper: secrets.tokenSecret });
    const other = await store.ensureCompany({ name: 'Other Co' });
    const outsider = await store.createUser({ company: other.id, username: 'outsider', password: 'someone elses passphrase 9' });
    const bob = (await login('bob', 'bobs own passphrase 17')).body.data.token as string;

    const all = await request(app).post('/users.get_all').set('Authorization', bearer(bob)).send({});
    const names = (all.body.data.users as { name: string; company: string }[]).map((u) => u.name).sort();
    expect(names).toEqual(expect.arrayContaining(['Ada Admin', 'Bob']));
    expect(names).not.toContain('outsider');
    expect(new Set((all.body.data.users as { company: string }[]).map((u) => u.company))).toEqual(new Set([DEFAULT_COMPANY.id]));
    const asked = await request(app)
      .post('/users.get_all')
      .set('Authorization', bearer(bob))
      .send({ id: [outsider.id] });
    expect(asked.body.data.users).toEqual([]);
    const badId = await request(app)
      .post('/users.get_all')
      .set('Authorization', bearer(bob))
      .send({ id: [3] });
    expect([badId.status, badId.body.meta.error_data.code]).toEqual([400, 'ERR_BAD_REQUEST']);
  });

  it('keeps users to their own credentials and admins to their company', async () => {
    const admin = (await login(ADMIN.username, ADMIN.password)).body.data.token as string;
    const bob = (await login('bob', 'bobs own passphrase 17')).body.data.token as string;
    const adminKey = (await request(app).post('/auth.create_credentials').set('Authorization', bearer(admin)).send({})).body.data.credentials;
    issuedValues.push(adminKey.secret_key);
    const bobKey = (await request(app).post('/auth.create_credentials').set('Authorization', bearer(bob)).send({})).body.data.credentials;
    issuedValues.push(bobKey.secret_key);

    const bobRevokesAdmin = await request(app).post('/auth.revoke_credentials').set('Authorization', bearer(bob)).send({ access_key: adminKey.access_key });
    expect([bobRevokesAdmin.status, bobRevokesAdmin.body.meta.error_data.code]).toEqual([403, 'ERR_FORBIDDEN']);
    const adminLabelsBob = await request(app)
      .post('/auth.edit_credentials')
      .set('Authorization', bearer(admin))
      .send({ access_key: bobKey.access_key, label: 'checked' });
    expect(adminLabelsBob.status).toBe(200);
    const unknown = await request(app).post('/auth.edit_credentials').set('Authorization', bearer(admin)).send({ access_key: generateKey(), label: 'x' });
    expect([unknown.status, unknown.body.meta.error_data.code]).toEqual([400, 'ERR_INVALID_ACCESS_KEY']);
    const missing = await request(app).post('/auth.revoke_credentials').set('Authorization', bearer(bob)).send({});
    expect([missing.status, missing.body.meta.error_data.code]).toEqual([400, 'ERR_BAD_REQUEST']);
  });

  it('keeps tenants apart and system credentials out of reach', async () => {
    const admin = (await login(ADMIN.username, ADMIN.password)).body.data.token as string;
    const created = await request(app)
      .post('/auth.create_user')
      .set('Authorization', bearer(admin))
      .send({ username: `dora-${db}`, name: 'Dora', password: 'doras long passphrase 99' });
    expect(created.status).toBe(200);
    const dora = await login(`dora-${db}`, 'doras long passphrase 99');
    expect(dora.status).toBe(200);
    const doraToken = dora.body.data.token as string;
    const notAdmin = await request(app).post('/auth.create_user').set('Authorization', bearer(doraToken)).send({ username: 'eve' });
    expect([notAdmin.status, notAdmin.body.meta.error_data.code]).toEqual([403, 'ERR_FORBIDDEN']);

    const systemRevoke = await request(app)
      .post('/auth.revoke_credentials')
      .set('Authorization', bearer(admin))
      .send({ access_key: system.apiserver.accessKey });
    expect([systemRevoke.status, systemRevoke.body.meta.error_data.code]).toEqual([403, 'ERR_FORBIDDEN']);
    expect((await login(system.apiserver.accessKey, system.apiserver.secretKey)).status).toBe(200);

    // A second tenant, founded by the operator.
    const otherCompany = randomUUID().replace(/-/g, '');
    const founded = await request(app)
      .post('/operator/tenants')
      .set('Authorization', bearer(secrets.operatorSecret))
      .send({ company_id: otherCompany, company_name: 'other-co', admin: { username: `olga-${db}`, password: 'olgas long passphrase 77' } });
    expect(founded.status).toBe(201);
    const otherAdmin = { id: founded.body.admin.id as string };
    const otherToken = (await login(`olga-${db}`, 'olgas long passphrase 77')).body.data.token as string;
    const adminKey = (await request(app).post('/auth.create_credentials').set('Authorization', bearer(admin)).send({})).body.data.credentials;
    issuedValues.push(adminKey.secret_key);
    const adminId = (await verifierFor('clearml-api').verify(admin)).identity.user;

    const crossRevoke = await request(app).post('/auth.revoke_credentials').set('Authorization', bearer(otherToken)).send({ access_key: adminKey.access_key });
    expect([crossRevoke.status, crossRevoke.body.meta.error_data.code]).toEqual([400, 'ERR_INVALID_ACCESS_KEY']);
    const crossList = await request(app).post('/auth.get_credentials').set('Authorization', bearer(otherToken)).send({ user: adminId });
    expect([crossList.status, crossList.body.meta.error_data.code]).toEqual([400, 'ERR_INVALID_USER']);
    const crossDisable = await request(app).post('/auth.edit_user').set('Authorization', bearer(otherToken)).send({ user: adminId, enabled: false });
    expect([crossDisable.status, crossDisable.body.meta.error_data.code]).toEqual([400, 'ERR_INVALID_USER']);
    expect((await verifierFor('clearml-api').verify(otherToken)).identity).toMatchObject({ company: otherCompany, user: otherAdmin.id });
    const again = await request(app)
      .post('/auth.create_user')
      .set('Authorization', bearer(otherToken))
      .send({ username: `oscar-${db}` });
    expect(again.status).toBe(200);
    const store = new IdentityStore({ connection: backends.mongo!.connection, credentialPepper: secrets.tokenSecret });
    expect(await store.getUser(again.body.data.id)).toMatchObject({ company: otherCompany, company_name: 'other-co', role: 'user' });
    await store.close();
  });

  it.each([
    ['an admin naming another company', 'admin', { company: 'f'.repeat(32) }, 403, 'ERR_FORBIDDEN', undefined],
    ['a user', 'user', {}, 403, 'ERR_FORBIDDEN', undefined],
    ['a system identity in its own company', 'system', {}, 403, 'ERR_FORBIDDEN', undefined],
    ['a system identity making an admin', 'system', { role: 'admin' }, 403, 'ERR_FORBIDDEN', undefined],
    ['a system identity founding a company', 'system', { company: 'e'.repeat(32), company_name: 'planted', role: 'admin' }, 403, 'ERR_FORBIDDEN', undefined],
    ['a system identity naming an existing company', 'system', { company: DEFAULT_COMPANY.id, role: 'admin' }, 403, 'ERR_FORBIDDEN', undefined],
  ])('refuses create_user from %s', async (_label, who, fields, status, code, field) => {
    const token =
      who === 'system'
        ? (await login(system.apiserver.accessKey, system.apiserver.secretKey)).body.data.token
        : (await login(who === 'admin' ? ADMIN.username : 'bob', who === 'admin' ? ADMIN.password : 'bobs own passphrase 17')).body.data.token;
    const res = await request(app)
      .post('/auth.create_user')
      .set('Authorization', bearer(token as string))
      .send({ username: `nobody-${db}`, ...fields });
    expect([res.status, res.body.meta.error_data.code, res.body.meta.error_data.field]).toEqual([status, code, field]);
    const store = new IdentityStore({ connection: backends.mongo!.connection, credentialPepper: secrets.tokenSecret });
    expect(await store.findUserByUsername(`nobody-${db}`)).toBeNull();
    expect(await store.getCompany('e'.repeat(32))).toBeNull();
    await store.close();
  });

  it('logs out: the session token is refused afterwards and the cookies are cleared', async () => {
    const token = (await login('bob', 'bobs own passphrase 17')).body.data.token as string;
    const out = await request(app).post('/auth.logout').set('Authorization', bearer(token)).send({});
    expect(out.status).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(/clearml_token_basic=;/);
    await expect(verifierFor('clearml-api').verify(token)).resolves.toBeDefined(); // no revocation list: signature alone is fine
    const after = await request(app).post('/users.get_current_user').set('Authorization', bearer(token)).send({});
    expect(after.body.meta.error_data.code).toBe('ERR_JWT_REVOKED');
  });

  it('sets an HttpOnly SameSite=Lax cookie and demands the CSRF header for cookie-authenticated changes', async () => {
    const res = await login(ADMIN.username, ADMIN.password);
    const cookies = res.headers['set-cookie'] as unknown as string[];
    const auth = cookies.find((c) => c.startsWith('clearml_token_basic='))!;
    const csrf = cookies.find((c) => c.startsWith('warden_csrf='))!;
    expect(auth).toMatch(/HttpOnly/);
    expect(auth).toMatch(/SameSite=Lax/);
    expect(auth).not.toMatch(/Secure/); // plain HTTP here; Secure comes with TLS
    expect(csrf).not.toMatch(/HttpOnly/);
    const cookieHeader = [auth, csrf].map((c) => c.split(';')[0]).join('; ');
    const csrfValue = csrf.split(';')[0].split('=')[1];

    const reads = await request(app).post('/users.get_current_user').set('Cookie', cookieHeader).send({});
    expect(reads.status).toBe(200);
    const noHeader = await request(app).post('/auth.create_credentials').set('Cookie', cookieHeader).send({});
    expect([noHeader.status, noHeader.body.meta.error_data.code]).toEqual([403, 'ERR_CSRF']);
    const withHeader = await request(app).post('/auth.create_credentials').set('Cookie', cookieHeader).set('X-CSRF-Token', csrfValue).send({});
    expect(withHeader.status).toBe(200);
    issuedValues.push(withHeader.body.data.credentials.secret_key);
  });

  it('tells clients which login modes are on, and who they are', async () => {
    const modes = await request(app).get('/login.supported_modes');
    expect(modes.body.data).toMatchObject({ authenticated: false, basic: { enabled: true }, login_methods: { fixed_users: true, free_access: false } });
    const token = (await login(ADMIN.username, ADMIN.password)).body.data.token as string;
    const me = await request(app).get('/v2.13/users.get_current_user').set('Authorization', bearer(token));
    expect(me.body.data.user).toMatchObject({ name: 'Ada Admin', role: 'admin', company: DEFAULT_COMPANY });
  });

  it('forgets failures in a row after a successful login, so a user who mistypes twice is not locked out', async () => {
    // Back-off starts at the 5th failure in a row: 3 + 3 without the success between would lock bob
    // (and stay under the 10 failures per account and window that earlier tests already used 2 of).
    for (let i = 0; i < 3; i++) expect((await login('bob', `typo-${i}`)).status).toBe(401);
    expect((await login('bob', 'bobs own passphrase 17')).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await login('bob', `typo-again-${i}`)).status).toBe(401);
    expect((await login('bob', 'bobs own passphrase 17')).status).toBe(200);
  });

  it('slows down guessing: an account is blocked with 429 and Retry-After after repeated failures', async () => {
    let res = await login('mallory', 'guess-0');
    for (let i = 1; i < 30 && res.status !== 429; i++) res = await login('mallory', `guess-${i}`);
    expect(res.status).toBe(429);
    expect(res.body.meta.error_data.code).toBe('ERR_RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('never writes a secret, password or token to its logs', async () => {
    const values = [
      ...Object.values(system).flatMap((c) => [c.secretKey]),
      secrets.tokenSecret,
      secrets.sessionSecret,
      secrets.operatorSecret,
      ADMIN.password,
      'bobs own passphrase 17',
      'doras long passphrase 99',
      'olgas long passphrase 77',
      'sams long passphrase 33',
      'xenas long passphrase 21',
      ...issuedValues,
    ];
    expect(logs.lines.length).toBeGreaterThan(10);
    for (const value of values) expect(logs.text).not.toContain(value);
    // Each token's signature alone would be enough to replay it.
    for (const token of issuedValues.filter((v) => v.split('.').length === 3)) expect(logs.text).not.toContain(token.split('.')[2]);
  });
});
