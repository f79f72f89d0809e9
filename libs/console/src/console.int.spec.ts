import { setTimeout as delay } from 'node:timers/promises';
import request from 'supertest';
import { DEFAULT_COMPANY } from '@warden/auth-service';
import { CONSOLE_CSP } from './headers';
import { consoleGateway, ConsoleBrowser, gatewayReady } from './testing';
import { csrfIn } from './testing/console-browser';

// Integration tier: the gateway in-process with the console, on the real Redis and MongoDB-wire server.
jest.setTimeout(30_000);
const db = `warden_int_console_${process.pid}_${Date.now()}`;
const ADMIN = { username: 'ada', password: 'ada console password 42', name: 'Ada Admin', admin: true };
const USER = { username: 'bob', password: 'bob console password 42', name: 'Bob <b>Builder</b>' };
const HOSTS = { api_host: 'https://api.example.org', files_host: 'https://files.example.org', web_host: 'https://app.example.org' };
const HOSTILE_LABEL = '"><script>alert(1)</script><img src=x onerror=alert(2)>\u202Eevil\u200B';
const ESCAPED_LABEL = '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;\u202Eevil\u200B';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const codeOf = (markup: string) => /id="error-code">([A-Z_]+)</.exec(markup)?.[1] ?? /data-code="([A-Z_]+)"/.exec(markup)?.[1];

const ready = gatewayReady;

describe('console pages (real Redis and MongoDB-wire server)', () => {
  const gw = consoleGateway({
    name: 'console',
    db,
    fixedUsers: [ADMIN, USER],
    hosts: HOSTS,
    gateway: { tokens: { leeway_sec: 0 }, login: { limits: { per_account_client: { failures: 3, window_sec: 900 } } } },
  });
  const { app, logs } = gw;
  const { store, audit } = gw.gateway.parts.service.deps;
  // Every password, secret and token this spec handles, to prove none reaches the logs.
  const secretValues: string[] = [ADMIN.password, USER.password];
  const signedIn = async (who: { username: string; password: string }) => {
    const browser = new ConsoleBrowser(app);
    const res = await browser.login(who.username, who.password);
    if (res.status !== 303) throw new Error(`login of ${who.username} answered ${res.status}`);
    const token = /clearml_token_basic=([^;]+)/.exec(String(res.headers['set-cookie']))?.[1] ?? '';
    secretValues.push(token);
    return { browser, token };
  };

  beforeAll(() => ready(gw));
  afterAll(() => gw.close());

  describe('login', () => {
    it('sends / to the login page, logs in and lands on the console home, with the session cookies of auth.login', async () => {
      const browser = new ConsoleBrowser(app);
      const root = await browser.agent.get('/');
      expect([root.status, root.headers['location']]).toEqual([302, '/login']);
      const login = await browser.login(ADMIN.username, ADMIN.password);
      expect([login.status, login.headers['location']]).toEqual([303, '/console']);
      const cookies = String(login.headers['set-cookie']);
      expect(cookies).toMatch(/clearml_token_basic=[^;]+; .*HttpOnly/);
      expect(cookies).toContain('warden_csrf=');
      const home = await browser.agent.get('/console');
      expect(home.status).toBe(200);
      expect(home.text).toContain('id="whoami-name">Ada Admin<');
      expect(home.text).toContain('id="whoami-role">admin<');
      expect((await browser.agent.get('/')).headers['location']).toBe('/console');
    });

    it('tells wrong credentials, audits them as auth.login does, and locks out with the time left', async () => {
      const browser = new ConsoleBrowser(app);
      const wrong = await browser.login('carol', 'not the password');
      expect([wrong.status, codeOf(wrong.text)]).toEqual([401, 'ERR_INVALID_CREDENTIALS']);
      expect(wrong.text).toContain('Wrong username or password.');
      await browser.login('carol', 'not the password');
      await browser.login('carol', 'not the password');
      const locked = await browser.login('carol', 'not the password');
      expect([locked.status, codeOf(locked.text)]).toEqual([429, 'ERR_RATE_LIMITED']);
      expect(locked.text).toMatch(/locked out\. Try again in \d+ (minutes|seconds)/);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      // The API shares the counters: the same account and address is locked there too.
      const api = await request(app).post('/auth.login').set('Authorization', basic('carol', 'x'));
      expect(api.status).toBe(429);
      // A refusal is recorded once its account's company is looked up, after the answer: wait for it.
      let failures: unknown[] = [];
      for (const deadline = Date.now() + 10_000; failures.length < 3 && Date.now() < deadline; await delay(50)) {
        await audit.flush();
        failures = (await audit.list({ limit: 100 })).filter((e) => e.type === 'login' && e.outcome === 'failure' && e.username === 'carol');
      }
      expect(failures.length).toBeGreaterThanOrEqual(3);
    });

    it('tells a disabled user so', async () => {
      const user = await store.createUser({ company: DEFAULT_COMPANY.id, username: 'dora', password: 'console password of d 42', role: 'user' });
      secretValues.push('console password of d 42');
      await store.setUserEnabled(user.id, false);
      const res = await new ConsoleBrowser(app).login('dora', 'console password of d 42');
      expect([res.status, codeOf(res.text)]).toEqual([403, 'ERR_USER_DISABLED']);
      expect(res.text).toContain('This account is disabled.');
    });

    it.each([
      ['//evil.example', '/console'],
      ['/\\evil.example', '/console'],
      ['https:evil.example', '/console'],
      ['%2F%2Fevil.example', '/console'],
      ['/console/settings/identity-providers?tab=1', '/console/settings/identity-providers?tab=1'],
    ])('after login with next=%j goes to %j', async (next, expected) => {
      const browser = new ConsoleBrowser(app);
      const page = await browser.agent.get(`/login?next=${encodeURIComponent(next)}`);
      expect(page.text).toContain(`name="next" value="${expected.replace(/&/g, '&amp;')}"`);
      const res = await browser.login(ADMIN.username, ADMIN.password, next);
      expect(res.headers['location']).toBe(expected);
    });

    it('refuses a login form without its CSRF token, or with the token of another browser', async () => {
      const browser = new ConsoleBrowser(app);
      await browser.agent.get('/login');
      const none = await browser.agent.post('/login').type('form').send({ username: ADMIN.username, password: ADMIN.password });
      expect([none.status, codeOf(none.text)]).toEqual([403, 'ERR_CSRF']);
      expect(none.text).toContain('security token');
      const other = new ConsoleBrowser(app);
      const foreign = csrfIn((await other.agent.get('/login')).text);
      const replay = await browser.agent.post('/login').type('form').send({ _csrf: foreign, username: ADMIN.username, password: ADMIN.password });
      expect([replay.status, codeOf(replay.text)]).toEqual([403, 'ERR_CSRF']);
      expect(String(replay.headers['set-cookie'] ?? '')).not.toContain('clearml_token_basic=');
    });
  });

  describe('credentials', () => {
    it('shows a new secret once with a working clearml.conf block, then never again', async () => {
      const { browser } = await signedIn(USER);
      const created = await browser.submit('/console/credentials', { label: HOSTILE_LABEL });
      expect(created.status).toBe(201);
      expect(created.headers['cache-control']).toBe('no-store');
      const accessKey = /id="new-access-key">([^<]+)</.exec(created.text)?.[1] ?? '';
      const secretKey = /id="new-secret-key">([^<]+)</.exec(created.text)?.[1] ?? '';
      secretValues.push(secretKey);
      expect(secretKey.length).toBeGreaterThanOrEqual(50);
      const conf = /id="clearml-conf"[^>]*>([^<]*)</.exec(created.text)?.[1];
      expect(conf).toBe(
        `api {\n  web_server: ${HOSTS.web_host}\n  api_server: ${HOSTS.api_host}\n  files_server: ${HOSTS.files_host}\n  credentials {\n    &quot;access_key&quot; = &quot;${accessKey}&quot;\n    &quot;secret_key&quot; = &quot;${secretKey}&quot;\n  }\n}\n`,
      );
      expect(created.text).toContain(`CLEARML_API_SECRET_KEY=${secretKey}`);
      expect(created.text).toContain(`CLEARML_API_HOST=${HOSTS.api_host}`);
      // The pair works for the SDK's login.
      expect((await request(app).post('/auth.login').set('Authorization', basic(accessKey, secretKey))).status).toBe(200);
      const later = await browser.agent.get('/console');
      expect(later.text).not.toContain(secretKey);
      expect(later.text).toContain(accessKey);
      expect(later.text).toContain(ESCAPED_LABEL);
      expect(later.text).not.toContain('<script>alert(1)');
      expect((await store.getCredential(accessKey))?.label).toBe(HOSTILE_LABEL);
    });

    it('relabels and revokes through a confirm step; the revoked key stops working', async () => {
      const { browser } = await signedIn(USER);
      const created = await browser.submit('/console/credentials', { label: 'laptop' });
      const accessKey = /id="new-access-key">([^<]+)</.exec(created.text)?.[1] ?? '';
      const secretKey = /id="new-secret-key">([^<]+)</.exec(created.text)?.[1] ?? '';
      secretValues.push(secretKey);
      const relabel = await browser.submit('/console/credentials/label', { access_key: accessKey, label: '<i>desk</i>' });
      expect([relabel.status, relabel.headers['location']]).toEqual([303, '/console?notice=relabelled#credentials']);
      expect((await browser.agent.get('/console')).text).toContain('&lt;i&gt;desk&lt;/i&gt;');
      const confirm = await browser.submit('/console/credentials/revoke', { access_key: accessKey });
      expect(confirm.text).toContain('data-page="revoke-confirm"');
      expect((await store.getCredential(accessKey))?.revoked).toBeUndefined();
      const revoked = await browser.submit('/console/credentials/revoke', { access_key: accessKey, confirm: 'yes' });
      expect([revoked.status, revoked.headers['location']]).toEqual([303, '/console?notice=revoked#credentials']);
      expect((await request(app).post('/auth.login').set('Authorization', basic(accessKey, secretKey))).status).toBe(401);
      expect((await browser.agent.get('/console')).text).not.toContain(`id="credential-${accessKey}"`);
    });

    it("refuses a form without its CSRF token or with another session's, and changes nothing", async () => {
      const { browser } = await signedIn(USER);
      const other = await signedIn(USER);
      const before = (await store.listCredentials({ user: await userIdOf(USER.username) })).length;
      const none = await browser.agent.post('/console/credentials').type('form').send({ label: 'csrf' });
      expect([none.status, codeOf(none.text)]).toEqual([403, 'ERR_CSRF']);
      expect(none.text).toContain('sent without its security token');
      const foreign = csrfIn((await other.browser.agent.get('/console')).text);
      const replay = await browser.agent.post('/console/credentials').type('form').send({ _csrf: foreign, label: 'csrf' });
      expect([replay.status, codeOf(replay.text)]).toEqual([403, 'ERR_CSRF']);
      const logout = await browser.agent.post('/logout').type('form').send({});
      expect([logout.status, codeOf(logout.text)]).toEqual([403, 'ERR_CSRF']);
      expect((await browser.agent.get('/console')).status).toBe(200);
      expect((await store.listCredentials({ user: await userIdOf(USER.username) })).length).toBe(before);
    });

    it('refuses an over-long label whole, with a page naming the problem, through the API too', async () => {
      const { browser, token } = await signedIn(USER);
      const before = (await store.listCredentials({ user: await userIdOf(USER.username) })).length;
      const res = await browser.submit('/console/credentials', { label: '\u200B'.repeat(257) });
      const api = await request(app)
        .post('/auth.create_credentials')
        .set('Authorization', `Bearer ${token}`)
        .send({ label: 'x'.repeat(257) });
      expect([api.status, api.body.meta.result_msg]).toEqual([400, 'label is longer than 256 characters']);
      expect([res.status, codeOf(res.text)]).toEqual([400, 'ERR_BAD_REQUEST']);
      expect(res.text).toContain('label is longer than 256 characters');
      expect((await store.listCredentials({ user: await userIdOf(USER.username) })).length).toBe(before);
    });

    it("does not let a user revoke another user's key", async () => {
      const admin = await signedIn(ADMIN);
      const created = await admin.browser.submit('/console/credentials', { label: 'admin key' });
      const accessKey = /id="new-access-key">([^<]+)</.exec(created.text)?.[1] ?? '';
      secretValues.push(/id="new-secret-key">([^<]+)</.exec(created.text)?.[1] ?? '');
      const { browser } = await signedIn(USER);
      const res = await browser.submit('/console/credentials/revoke', { access_key: accessKey, confirm: 'yes' });
      expect([res.status, codeOf(res.text)]).toEqual([403, 'ERR_FORBIDDEN']);
      expect((await store.getCredential(accessKey))?.revoked).toBeUndefined();
    });
  });

  describe('sessions and guards', () => {
    it('sends a browser without a session to login and back to the page it asked for', async () => {
      const page = '/console/settings/identity-providers?x=1';
      for (const cookie of [undefined, 'clearml_token_basic=garbage', 'clearml_token_basic=eyJhbGciOiJub25lIn0.e30.']) {
        const req = request(app).get(page);
        const res = await (cookie ? req.set('Cookie', cookie) : req);
        expect([res.status, res.headers['location']]).toEqual([302, `/login?next=${encodeURIComponent(page)}`]);
        expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      }
      expect((await request(app).get('/console/session')).status).toBe(401);
    });

    it('ends the session on logout (the old cookie is refused) and on disable (the poll says so)', async () => {
      const { browser, token } = await signedIn(ADMIN);
      expect((await browser.agent.get('/console/session')).body).toEqual({ active: true });
      const csrf = csrfIn((await browser.agent.get('/console')).text);
      const out = await browser.agent.post('/logout').type('form').send({ _csrf: csrf });
      expect([out.status, out.headers['location']]).toEqual([303, '/login']);
      const replayed = await request(app).get('/console').set('Cookie', `clearml_token_basic=${token}`);
      expect(replayed.status).toBe(302);

      const eve = await store.createUser({ company: DEFAULT_COMPANY.id, username: 'erin', password: 'console password of e 42', role: 'user' });
      secretValues.push('console password of e 42');
      const session = await signedIn({ username: 'erin', password: 'console password of e 42' });
      expect((await session.browser.agent.get('/console/session')).status).toBe(200);
      // What auth.edit_user {enabled: false} does.
      await gw.gateway.parts.service.sessions.endUserTokens(eve.id);
      await store.setUserEnabled(eve.id, false);
      expect((await session.browser.agent.get('/console/session')).status).toBe(401);
      expect((await session.browser.agent.get('/console')).headers['location']).toBe('/login?next=%2Fconsole');
      // The once-a-second poll leaves no access line while the session lives; its end is logged.
      const polls = logs.lines.filter((l) => l.includes('"path":"/console/session"')).map((l) => JSON.parse(l).res.statusCode);
      expect(polls).not.toContain(200);
      expect(polls).toContain(401);
    });

    it('sends an expired session to login', async () => {
      const issued = await gw.gateway.parts.service.login({ id: ADMIN.username, secret: ADMIN.password, clientIp: '192.0.2.9', expirationSec: 1 });
      secretValues.push(issued.token);
      const cookie = `clearml_token_basic=${issued.token}`;
      expect((await request(app).get('/console').set('Cookie', cookie)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2100));
      expect((await request(app).get('/console').set('Cookie', cookie)).status).toBe(302);
    });

    it('answers a non-admin on an admin page with the 403 page, and hides admin links', async () => {
      const { browser } = await signedIn(USER);
      const res = await browser.agent.get('/console/settings/identity-providers');
      expect([res.status, codeOf(res.text)]).toEqual([403, 'ERR_FORBIDDEN']);
      expect(res.text).toContain('for the administrators of your company');
      const home = await browser.agent.get('/console');
      expect(home.text).not.toContain('id="nav-users"');
      expect(home.text).toContain('Bob &lt;b&gt;Builder&lt;/b&gt;');
      const admin = await signedIn(ADMIN);
      expect((await admin.browser.agent.get('/console')).text).toContain('id="nav-identity-providers"');
      expect((await admin.browser.agent.get('/console/settings/identity-providers')).status).toBe(200);
    });

    it('answers an unknown console page with a 404 page', async () => {
      const { browser } = await signedIn(USER);
      const res = await browser.agent.get('/console/nope');
      expect([res.status, codeOf(res.text)]).toEqual([404, 'ERR_NOT_FOUND']);
    });
  });

  describe('headers and assets', () => {
    it('sends the CSP, frame and cache headers on every page, redirect, error and asset', async () => {
      const { browser } = await signedIn(ADMIN);
      const home = await browser.agent.get('/console');
      const assets = [...home.text.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);
      expect(assets).toEqual([
        expect.stringMatching(/^\/console\/assets\/console\.[0-9a-f]{16}\.css$/),
        expect.stringMatching(/^\/console\/assets\/console\.[0-9a-f]{16}\.js$/),
      ]);
      const pages = ['/', '/login', '/console', '/console/settings/identity-providers', '/console/nope'];
      for (const path of [...pages, ...assets]) {
        const res = await browser.agent.get(path);
        expect([path, res.headers['content-security-policy'], res.headers['x-frame-options']]).toEqual([path, CONSOLE_CSP, 'DENY']);
        expect([path, res.headers['cache-control']]).toEqual([path, assets.includes(path) ? 'public, max-age=31536000, immutable' : 'no-store']);
      }
      expect((await browser.agent.get(assets[1])).headers['content-type']).toBe('text/javascript; charset=utf-8');
    });

    it('counts and logs CSP reports without their query strings, and rate-limits them', async () => {
      const report = {
        'csp-report': {
          'document-uri': 'http://127.0.0.1/console?token=abc123secret',
          'effective-directive': 'script-src-elem',
          'blocked-uri': 'https://cdn.example/x.js?k=zzsecret',
        },
      };
      const res = await request(app).post('/console/csp-report').set('Content-Type', 'application/csp-report').send(JSON.stringify(report));
      expect(res.status).toBe(204);
      const metric = await gw.registry.getSingleMetricAsString('warden_console_csp_violations_total');
      expect(metric).toContain('warden_console_csp_violations_total{directive="script-src-elem"} 1');
      expect(logs.text).toContain('https://cdn.example/x.js');
      expect(logs.text).not.toContain('abc123secret');
      expect(logs.text).not.toContain('zzsecret');
      const statuses = [];
      for (let i = 0; i < 61; i += 1)
        statuses.push((await request(app).post('/console/csp-report').set('Content-Type', 'application/csp-report').send('{}')).status);
      expect(statuses.at(-1)).toBe(429);
    });
  });

  it('keeps every password, secret and token out of the logs', () => {
    expect(logs.lines.length).toBeGreaterThan(10);
    for (const value of [...secretValues, gw.secrets.tokenSecret, gw.secrets.sessionSecret].filter(Boolean)) expect(logs.text).not.toContain(value);
  });

  async function userIdOf(username: string): Promise<string> {
    return (await store.listUsers(DEFAULT_COMPANY.id)).find((u) => u.username === username)!.id;
  }
});
