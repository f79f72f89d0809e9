import { DEFAULT_COMPANY } from '@warden/auth-service';
import { CONSOLE_CSP } from './headers';
import { consoleGateway, gatewayReady } from './testing';
import { ConsoleBrowser } from './testing/console-browser';

// Integration tier: a gateway with no web login (neither fixed nor local users) and SSO buttons.
jest.setTimeout(30_000);
const db = `warden_int_console_modes_${process.pid}_${Date.now()}`;

// What libs/sso answers: a one-time path on this origin that redirects to the provider's end-session endpoint.
const ONWARD = '/logout_sso/0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

describe('login page: web login off, SSO providers listed (real Redis and MongoDB-wire server)', () => {
  const gw = consoleGateway({
    name: 'console-modes',
    db,
    gateway: { login: { local_users: false } },
    ssoProviders: [
      { name: 'keycloak', displayName: 'Keycloak', startUrl: '/login/sso/keycloak' },
      { name: 'evil', displayName: '<img src=x onerror=alert(1)>', startUrl: '/login/sso/evil?a=1&b="x"' },
    ],
    // As an SSO extension answers for its own logins: on to the provider's end-session page.
    logoutRedirect: async (claims) => (claims.auth.method === 'sso' ? ONWARD : undefined),
  });

  beforeAll(async () => {
    await gatewayReady(gw);
  });
  afterAll(() => gw.close());

  it('says web login is disabled, refuses a password form, and lists the SSO buttons as text', async () => {
    const browser = new ConsoleBrowser(gw.app);
    const page = await browser.agent.get('/login');
    expect(page.text).toContain('id="login-disabled"');
    expect(page.text).not.toContain('id="login-form"');
    expect(page.text).toContain('<a class="button sso-button" id="sso-keycloak" href="/login/sso/keycloak">Keycloak</a>');
    expect(page.text).toContain('href="/login/sso/evil?a=1&amp;b=&quot;x&quot;">&lt;img src=x onerror=alert(1)&gt;</a>');
    const res = await browser.agent.post('/login').type('form').send({ username: 'anyone', password: 'any password at all' });
    expect([res.status, /data-code="([A-Z_]+)"/.exec(res.text)?.[1]]).toEqual([403, 'ERR_WEB_LOGIN_DISABLED']);
  });

  it('ends an SSO session on logout and sends the browser where the SSO extension says', async () => {
    const { store } = gw.gateway.parts.service.deps;
    const user = await store.createUser({ company: DEFAULT_COMPANY.id, username: 'sso-user', role: 'user' });
    const issued = gw.gateway.parts.service.issue(user, { method: 'sso' });
    const browser = new ConsoleBrowser(gw.app);
    await browser.agent.get('/login');
    browser.agent.jar.setCookie(`clearml_token_basic=${issued.token}; Path=/`);
    const out = await browser.submit('/logout', {});
    // A page, not a redirect: Chromium applies form-action 'self' to a redirect after a form
    // submission, which would stop the way on to the provider. It moves on by itself, script-free.
    expect(out.status).toBe(200);
    expect(out.headers['location']).toBeUndefined();
    expect(out.headers['cache-control']).toBe('no-store');
    expect(out.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(out.text).toContain(`<meta http-equiv="refresh" content="0;url=${ONWARD}" />`);
    expect(out.text).toContain(`<a class="button" id="logout-continue" href="${ONWARD}">Continue</a>`);
    expect(out.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect((await browser.agent.get('/console')).status).toBe(302);

    // A session without an IdP logout goes straight back to the login page.
    const local = await store.createUser({ company: DEFAULT_COMPANY.id, username: 'local-user', role: 'user' });
    const plain = new ConsoleBrowser(gw.app);
    await plain.agent.get('/login');
    plain.agent.jar.setCookie(`clearml_token_basic=${gw.gateway.parts.service.issue(local, { method: 'password' }).token}; Path=/`);
    const back = await plain.submit('/logout', {});
    expect([back.status, back.headers['location']]).toEqual([303, '/login']);
  });
});
