import { IdentityStore } from '@warden/identity';
import { CSRF_FIELD } from './csrf';
import { CONSOLE_CSP } from './headers';
import { escapeHtml } from './html';
import { consoleGateway, ConsoleBrowser, gatewayReady } from './testing';
import { csrfIn } from './testing/console-browser';

// Integration tier: the admin pages on the gateway in-process, real Redis and MongoDB-wire server.
jest.setTimeout(30_000);
const db = `warden_int_console_admin_${process.pid}_${Date.now()}`;
const ADMIN = { username: 'ada', password: 'ada console password 42', name: 'Ada Admin', admin: true };
const USER = { username: 'bob', password: 'bob console password 42', name: 'Bob' };
const PASSWORD = 'a long enough passphrase 77';
const HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>", '\u202Egnp.exe\u200B<b>zw</b>'];

const codeOf = (text: string) => /id="error-code">([A-Z_]+)</.exec(text)?.[1];

describe('console admin pages (real Redis and MongoDB-wire server)', () => {
  const gw = consoleGateway({ name: 'console-admin', db, fixedUsers: [ADMIN, USER], hosts: { web_host: 'https://app.example.org' } });
  const { app, logs } = gw;
  const secretValues: string[] = [ADMIN.password, USER.password, PASSWORD];
  let store: IdentityStore;
  let admin: ConsoleBrowser;
  // Another company with its own admin, to prove the pages never cross tenants.
  let other: { company: string; adminName: string; userId: string; groupId: string };

  const signedIn = async (username: string, password: string) => {
    const browser = new ConsoleBrowser(app);
    const res = await browser.login(username, password);
    if (res.status !== 303) throw new Error(`login of ${username} failed: ${res.status}`);
    return browser;
  };

  beforeAll(async () => {
    await gatewayReady(gw);
    store = new IdentityStore({ connection: gw.backends.mongo!.connection, credentialPepper: gw.secrets.tokenSecret });
    const company = await store.ensureCompany({ name: 'Other Co' });
    const otherAdmin = await store.createUser({ company: company.id, username: `other-admin-${db}`, role: 'admin', password: PASSWORD });
    const otherUser = await store.createUser({ company: company.id, username: `other-user-${db}`, name: 'Secret Other Person' });
    const group = await gw.gateway.admin.groups.create({ user: otherAdmin.id, company: company.id }, 'Other Co Secret Group');
    other = { company: company.id, adminName: otherAdmin.username, userId: otherUser.id, groupId: group.id };
    admin = await signedIn(ADMIN.username, ADMIN.password);
  });
  afterAll(async () => {
    await store.close();
    await gw.close();
  });

  it('answers a non-admin with a 403 page on every admin page and action', async () => {
    const bob = await signedIn(USER.username, USER.password);
    for (const path of ['/console/settings/users', '/console/settings/groups', '/console/settings/audit', `/console/settings/users/${other.userId}`]) {
      const res = await bob.agent.get(path);
      expect([path, res.status, codeOf(res.text), res.headers['content-security-policy']]).toEqual([path, 403, 'ERR_FORBIDDEN', CONSOLE_CSP]);
      expect(res.text).toContain('administrators of your company');
    }
    const create = await bob.submit('/console/settings/groups', { name: 'bob was here' });
    expect([create.status, codeOf(create.text)]).toEqual([403, 'ERR_FORBIDDEN']);
    expect((await gw.gateway.admin.groupStore.list((await store.findUserByUsername(ADMIN.username))!.company)).map((g) => g.name)).not.toContain(
      'bob was here',
    );
    // The navigation offers no admin page to a non-admin.
    expect((await bob.agent.get('/console')).text).not.toContain('id="nav-users"');
  });

  it('refuses a demoted admin at once, before its token is gone', async () => {
    const demoted = await store.createUser({ company: other.company, username: `demoted-${db}`, role: 'admin', password: PASSWORD });
    const browser = await signedIn(demoted.username, PASSWORD);
    expect((await browser.agent.get('/console/settings/users')).status).toBe(200);
    await store.setUserRole(demoted.id, 'user');
    expect((await browser.agent.get('/console/settings/users')).status).not.toBe(200);
  });

  it("never shows or changes another company's users, groups or audit", async () => {
    const users = await admin.agent.get('/console/settings/users');
    expect(users.status).toBe(200);
    expect(users.text).not.toContain(other.adminName);
    expect(users.text).not.toContain('Secret Other Person');
    const detail = await admin.agent.get(`/console/settings/users/${other.userId}`);
    expect([detail.status, codeOf(detail.text)]).toEqual([400, 'ERR_INVALID_USER']);
    const disable = await admin.submit('/console/settings/users/enabled', { user: other.userId, enabled: 'false' }, '/console/settings/users');
    expect([disable.status, codeOf(disable.text)]).toEqual([400, 'ERR_INVALID_USER']);
    const rename = await admin.submit('/console/settings/groups/rename', { group: other.groupId, name: 'taken over' }, '/console/settings/groups');
    expect([rename.status, codeOf(rename.text)]).toEqual([404, 'ERR_NOT_FOUND']);
    const groups = await admin.agent.get('/console/settings/groups');
    expect(groups.text).not.toContain('Other Co Secret Group');
    const audit = await admin.agent.get(`/console/settings/audit?user=${other.userId}&limit=200`);
    expect(audit.status).toBe(200);
    expect(audit.text).not.toContain(other.groupId);
    expect((await store.getUser(other.userId))?.enabled).toBe(true);
    expect((await gw.gateway.admin.groupStore.get(other.company, other.groupId))?.name).toBe('Other Co Secret Group');
  });

  it('refuses forms replayed without their CSRF token or with another session’s, saving nothing', async () => {
    const noToken = await admin.agent.post('/console/settings/groups').type('form').send({ name: 'csrf-less' });
    expect([noToken.status, codeOf(noToken.text)]).toEqual([403, 'ERR_CSRF']);
    const bob = await signedIn(USER.username, USER.password);
    const foreign = csrfIn((await bob.agent.get('/console')).text);
    const replay = await admin.agent
      .post('/console/settings/users')
      .type('form')
      .send({ [CSRF_FIELD]: foreign, username: 'csrf-made' });
    expect([replay.status, codeOf(replay.text)]).toEqual([403, 'ERR_CSRF']);
    expect(await store.findUserByUsername('csrf-made')).toBeNull();
    expect((await admin.agent.get('/console/settings/groups')).text).not.toContain('csrf-less');
  });

  it('shows hostile names as text on the users, groups, user and audit pages', async () => {
    for (const [i, payload] of HOSTILE.entries()) {
      const created = await admin.submit('/console/settings/users', { username: `x${i}-${payload}`, name: payload, role: 'user' }, '/console/settings/users');
      expect(created.status).toBe(303);
      expect((await admin.submit('/console/settings/groups', { name: `g${i} ${payload}` }, '/console/settings/groups')).status).toBe(303);
    }
    const pages = await Promise.all(['/console/settings/users', '/console/settings/groups'].map((p) => admin.agent.get(p)));
    // The audit trail writes in batches after the answer: wait (bounded) for the last event to land.
    const lastGroup = escapeHtml(`g${HOSTILE.length - 1} ${HOSTILE[HOSTILE.length - 1]}`);
    let audit = await admin.agent.get('/console/settings/audit?limit=200');
    for (const deadline = Date.now() + 10_000; !audit.text.includes(lastGroup) && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 200));
      audit = await admin.agent.get('/console/settings/audit?limit=200');
    }
    pages.push(audit);
    const hostileUser = await store.findUserByUsername(`x1-${HOSTILE[1]}`);
    pages.push(await admin.agent.get(`/console/settings/users/${hostileUser!.id}`));
    for (const page of pages) {
      expect(page.status).toBe(200);
      expect(page.text).not.toMatch(/<script>alert|<img src=x|<svg onload|<b>zw/);
    }
    expect(pages[0].text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(pages[1].text).toContain('g1 &quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(pages[2].text).toContain('g2 &#39;&gt;&lt;svg onload=alert(1)&gt;');
  });

  it('refuses over-long and malformed inputs with a 400 page and saves nothing', async () => {
    const before = (await admin.agent.get('/console/settings/groups')).text;
    const cases: [string, Record<string, string>, string][] = [
      ['/console/settings/groups', { name: 'g'.repeat(129) }, '/console/settings/groups'],
      ['/console/settings/users', { username: 'u'.repeat(257) }, '/console/settings/users'],
      ['/console/settings/users', { username: 'long-name-user', name: 'n'.repeat(257) }, '/console/settings/users'],
      ['/console/settings/users', { username: 'bad-mail-user', email: 'no at sign', invite: 'yes' }, '/console/settings/users'],
      ['/console/settings/users', { username: 'bad-role-user', role: 'system' }, '/console/settings/users'],
    ];
    for (const [path, fields, from] of cases) {
      const res = await admin.submit(path, fields, from);
      expect([path, res.status, codeOf(res.text)]).toEqual([path, 400, 'ERR_BAD_REQUEST']);
    }
    for (const name of ['long-name-user', 'bad-mail-user', 'bad-role-user']) expect(await store.findUserByUsername(name)).toBeNull();
    expect((await admin.agent.get('/console/settings/groups')).text.match(/<tr id="group-/g)?.length).toBe(before.match(/<tr id="group-/g)?.length);
  });

  it('keeps an admin from disabling or demoting itself, with a clear code', async () => {
    const me = await store.findUserByUsername(ADMIN.username);
    const disable = await admin.submit('/console/settings/users/enabled', { user: me!.id, enabled: 'false' }, '/console/settings/users');
    expect([disable.status, codeOf(disable.text)]).toEqual([400, 'ERR_SELF_LOCKOUT']);
    const demote = await admin.submit('/console/settings/users/role', { user: me!.id, role: 'user' }, '/console/settings/users');
    expect([demote.status, codeOf(demote.text)]).toEqual([400, 'ERR_SELF_LOCKOUT']);
    expect(await store.getUser(me!.id)).toMatchObject({ enabled: true, role: 'admin' });
  });

  it('disabling a user from the users page throws its open browser session out within 2 s; its keys stop', async () => {
    const user = await store.createUser({ company: other.company, username: `victim-${db}`, password: PASSWORD });
    const key = await store.createCredentials(user.id);
    secretValues.push(key.secret_key);
    const victim = await signedIn(user.username, PASSWORD);
    expect((await victim.agent.get('/console/session')).status).toBe(200);
    const otherAdmin = await signedIn(other.adminName, PASSWORD);
    const res = await otherAdmin.submit('/console/settings/users/enabled', { user: user.id, enabled: 'false' }, '/console/settings/users');
    expect([res.status, res.headers['location']]).toEqual([303, '/console/settings/users?notice=disabled']);
    const started = Date.now();
    while ((await victim.agent.get('/console/session')).status !== 401 && Date.now() - started < 2000) await new Promise((r) => setTimeout(r, 50));
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await victim.agent.get('/console')).status).toBe(302);
    const keyLogin = await victim.agent
      .post('/auth.login')
      .set('Authorization', `Basic ${Buffer.from(`${key.access_key}:${key.secret_key}`).toString('base64')}`);
    expect(keyLogin.body.meta.error_data.code).toBe('ERR_USER_DISABLED');
  });

  it("lists a user's credentials without secrets and revokes one", async () => {
    const user = await store.findUserByUsername(USER.username);
    const key = await store.createCredentials(user!.id, { label: '<i>bobs key</i>' });
    secretValues.push(key.secret_key);
    const page = await admin.agent.get(`/console/settings/users/${user!.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`id="user-credential-${key.access_key}"`);
    expect(page.text).toContain('&lt;i&gt;bobs key&lt;/i&gt;');
    expect(page.text).not.toContain(key.secret_key);
    const revoke = await admin.submit(
      '/console/settings/users/credentials/revoke',
      { user: user!.id, access_key: key.access_key },
      `/console/settings/users/${user!.id}`,
    );
    expect([revoke.status, revoke.headers['location']]).toEqual([303, `/console/settings/users/${user!.id}?notice=revoked`]);
    expect((await store.getCredential(key.access_key))?.revoked).toBeInstanceOf(Date);
    expect((await admin.agent.get(`/console/settings/users/${user!.id}`)).text).not.toContain(`id="admin-revoke-${key.access_key}"`);
  });

  it('invites by a link shown once, that sets a password once and is never logged', async () => {
    const created = await admin.submit(
      '/console/settings/users',
      { username: 'invitee', name: 'Ina Vitee', email: 'ina@example.org', role: 'user', invite: 'yes' },
      '/console/settings/users',
    );
    expect(created.status).toBe(201);
    const link = /id="invitation-link"[^>]*>([^<]+)</.exec(created.text)?.[1];
    expect(link).toMatch(/^https:\/\/app\.example\.org\/invite\/[A-Za-z0-9_-]{43}$/);
    const path = new URL(link!).pathname;
    const token = path.split('/').pop()!;
    secretValues.push(token);
    expect((await admin.agent.get('/console/settings/users')).text).not.toContain(token);

    const invited = new ConsoleBrowser(app);
    const page = await invited.agent.get(path);
    expect([page.status, page.headers['content-security-policy'], page.headers['cache-control']]).toEqual([200, CONSOLE_CSP, 'no-store']);
    expect(page.text).toContain('id="invite-username">invitee<');
    const noCsrf = await invited.agent.post(path).type('form').send({ password: PASSWORD, password_confirm: PASSWORD });
    expect([noCsrf.status, codeOf(noCsrf.text)]).toEqual([403, 'ERR_CSRF']);
    const mismatch = await invited.agent
      .post(path)
      .type('form')
      .send({ [CSRF_FIELD]: csrfIn(page.text), password: PASSWORD, password_confirm: `${PASSWORD}x` });
    expect([mismatch.status, /data-code="([A-Z_]+)"/.exec(mismatch.text)?.[1]]).toEqual([400, 'ERR_BAD_REQUEST']);
    const weak = await invited.agent
      .post(path)
      .type('form')
      .send({ [CSRF_FIELD]: csrfIn(page.text), password: 'password1234', password_confirm: 'password1234' });
    expect([weak.status, /data-code="([A-Z_]+)"/.exec(weak.text)?.[1]]).toEqual([400, 'ERR_PASSWORD_POLICY']);
    const done = await invited.agent
      .post(path)
      .type('form')
      .send({ [CSRF_FIELD]: csrfIn(page.text), password: PASSWORD, password_confirm: PASSWORD });
    expect([done.status, done.text.includes('id="invite-login-link"')]).toEqual([200, true]);
    expect((await invited.login('invitee', PASSWORD)).status).toBe(303);

    const again = await new ConsoleBrowser(app).agent.get(path);
    expect([again.status, codeOf(again.text)]).toEqual([404, 'ERR_INVITATION_INVALID']);
    const wrong = await new ConsoleBrowser(app).agent.get(`/invite/${token.slice(0, -2)}zz`);
    expect([wrong.status, codeOf(wrong.text)]).toEqual([404, 'ERR_INVITATION_INVALID']);
  });

  it('pages the audit trail with filters and refuses out-of-bounds paging', async () => {
    const first = await admin.agent.get('/console/settings/audit?limit=1&type=group.create');
    expect(first.status).toBe(200);
    expect(first.text.match(/class="audit-event"/g)).toHaveLength(1);
    const next = /id="audit-next" href="([^"]+)"/.exec(first.text)?.[1]?.replace(/&amp;/g, '&');
    expect(next).toContain('type=group.create');
    const second = await admin.agent.get(next!);
    const idOf = (text: string) => /data-event-id="([0-9a-f]+)"/.exec(text)?.[1];
    expect(idOf(second.text)).toBeDefined();
    expect(idOf(second.text)).not.toBe(idOf(first.text));
    expect(second.text).toContain('data-type="group.create"');
    for (const query of [
      'limit=0',
      'limit=201',
      'limit=abc',
      'cursor=forged',
      'type=nope',
      'from=yesterday',
      'from=2026-01-02T00:00&to=2026-01-01T00:00',
      'user=a&user=b',
    ]) {
      const res = await admin.agent.get(`/console/settings/audit?${query}`);
      expect([query, res.status, codeOf(res.text)]).toEqual([query, 400, 'ERR_BAD_REQUEST']);
    }
    const future = await admin.agent.get('/console/settings/audit?from=2999-01-01T00:00');
    expect(future.text).toContain('id="audit-empty"');
  });

  it('stops an address that keeps opening invalid invitation links, valid ones included', async () => {
    const ada = await store.findUserByUsername(ADMIN.username);
    const actor = { user: ada!.id, company: ada!.company };
    const { invitation } = await gw.gateway.admin.users.create(actor, { username: 'late-invitee', email: 'late@example.org', invite: true });
    secretValues.push(invitation!.token);
    const probe = new ConsoleBrowser(app);
    let refusedAfter = 0;
    for (let i = 1; i <= 25 && !refusedAfter; i++) {
      const res = await probe.agent.get(`/invite/${'A'.repeat(42)}${String.fromCharCode(65 + i)}`);
      if (res.status === 429) refusedAfter = i;
      else expect(codeOf(res.text)).toBe('ERR_INVITATION_INVALID');
    }
    // 20 failures per address and 15 minutes; the first test of invitations spent two.
    expect(refusedAfter).toBeGreaterThanOrEqual(19);
    const valid = await probe.agent.get(`/invite/${invitation!.token}`);
    expect([valid.status, codeOf(valid.text), valid.headers['retry-after']]).toEqual([429, 'ERR_RATE_LIMITED', expect.stringMatching(/^\d+$/)]);
  });

  it('keeps every secret and invitation token out of the logs', () => {
    for (const value of secretValues) expect(logs.text).not.toContain(value);
  });
});
