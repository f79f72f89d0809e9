import { randomBytes } from 'node:crypto';
import { CLEARML_AUTH_DEFAULTS, GATEWAY_AUTH_DEFAULTS, clearmlAuthSchema, gatewayAuthSchema } from '@warden/auth-service';
import { inProcessGateway, type InProcessGateway } from '@warden/auth-service/testing';
import { CONSOLE_CSP, createConsole, publicHosts } from '@warden/console';
import { ConsoleBrowser, testAssetsDir } from '@warden/console/testing';
import { IdentityStore } from '@warden/identity';
import { generateKey, generateSecret } from '@warden/secrets';
import { ssoExtension } from './sso-extension';
import type { SsoService } from './sso-service';
import { TestProvider, providerSettingsFor } from './testing';

// Integration tier: SSO with the web console on one gateway, as the app mounts them: the login
// page's buttons, a refusal shown on it, a sign-in landing in the console, and the console's logout
// continuing at the provider's end-session endpoint.
const db = `warden_int_sso_console_${process.pid}_${Date.now()}`;
const COMPANY = randomBytes(16).toString('hex');
const WEB = 'http://warden.test';
const kc = new TestProvider();
let sso: SsoService | undefined;

const secrets = { tokenSecret: generateSecret(), sessionSecret: generateSecret() };
let gw: InProcessGateway;
// The provider runs before the gateway is built: its issuer URL is the provider's base_url.
const startGateway = () =>
  inProcessGateway({
    name: 'sso-console',
    db,
    clearml: clearmlAuthSchema.parse(CLEARML_AUTH_DEFAULTS),
    gateway: gatewayAuthSchema.parse(GATEWAY_AUTH_DEFAULTS),
    secrets: { ...secrets, systemCredentials: [{ name: 'apiserver', accessKey: generateKey(), secretKey: generateSecret() }] },
    extensions: [
      (parts) =>
        ssoExtension({
          providers: [providerSettingsFor({ name: 'keycloak', provider: kc, defaultCompany: COMPANY, config: { display_name: 'Keycloak', idp_logout: true } })],
          publicUrl: WEB,
          onCreated: (created) => (sso = created),
        })(parts),
    ],
    webRoutes: (parts) =>
      createConsole({
        parts,
        assetsDir: testAssetsDir(),
        hosts: publicHosts({ web_host: WEB }, 8080),
        ssoProviders: () => (sso?.entries() ?? []).map((e) => ({ name: e.name, displayName: e.display_name, startUrl: e.url })),
        logoutRedirect: (claims, req) => sso!.logout(claims, req),
      }),
  });

function expectWebPageHeaders(res: { headers: Record<string, string> }): void {
  expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['x-frame-options']).toBe('DENY');
}

/** Start in the console's browser, the provider's authorize by fetch, the callback back in the browser. */
async function signIn(browser: ConsoleBrowser) {
  const start = await browser.agent.get('/login/sso/keycloak?next=/console');
  expect(start.status).toBe(302);
  const authorize = await fetch(start.headers['location'], { redirect: 'manual' });
  const callback = new URL(authorize.headers.get('location')!);
  expect(`${callback.origin}${callback.pathname}`).toBe(`${WEB}/callback_keycloak`);
  return browser.agent.get(`${callback.pathname}${callback.search}`);
}

beforeAll(async () => {
  await kc.start();
  gw = startGateway();
  const deadline = Date.now() + 20_000;
  while (!sso?.entries()[0]?.available && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (;;) {
    try {
      gw.gateway.parts.assertReady();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('gateway not ready');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const store = new IdentityStore({ connection: gw.backends.mongo!.connection, credentialPepper: secrets.tokenSecret });
  await store.ensureCompany({ id: COMPANY, name: 'Acme' });
  await store.close();
}, 40_000);

afterAll(async () => {
  await gw?.close();
  await kc.stop();
});

describe('SSO in the web console', () => {
  it("lists the provider's button on the login page", async () => {
    const page = await new ConsoleBrowser(gw.app).agent.get('/login');
    expect(page.text).toContain('<a class="button sso-button" id="sso-keycloak" href="/login/sso/keycloak">Keycloak</a>');
  });

  it('shows a refused sign-in on the login page with its code, and only known codes', async () => {
    const browser = new ConsoleBrowser(gw.app);
    const start = await browser.agent.get('/login/sso/keycloak?next=//evil.example');
    expect(start.status).toBe(303);
    const page = await browser.agent.get(start.headers['location']);
    expect(page.text).toContain('data-code="ERR_SSO_RETURN_PATH"');
    expect(page.text).toContain('Single sign-on failed: the page to return to after sign-in must be a path on this site.');
    const forged = await browser.agent.get('/login?error=%3Cscript%3Ealert(1)%3C/script%3E');
    expect(forged.text).not.toContain('id="login-error"');
    expect(forged.text).not.toContain('<script>alert');
  });

  it('lands a sign-in in the console, and the console logout continues at the provider', async () => {
    kc.user = { sub: `console-${randomBytes(4).toString('hex')}`, claims: { name: 'Casey Console' } };
    const browser = new ConsoleBrowser(gw.app);
    const answer = await signIn(browser);
    expect([answer.status, answer.headers['location']]).toEqual([303, '/console']);
    const home = await browser.agent.get('/console');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Casey Console');

    // Not a redirect (Chromium holds one after a form submission to form-action 'self'): a page that
    // moves on by itself, with a meta refresh and a link, under the console's strict policy.
    const out = await browser.submit('/logout', {});
    expect(out.status).toBe(200);
    expect(out.headers['cache-control']).toBe('no-store');
    expect(out.headers['content-security-policy']).toBe(CONSOLE_CSP);
    const onward = /<meta http-equiv="refresh" content="0;url=(\/logout_sso\/[\w-]{43})" \/>/.exec(out.text)?.[1];
    expect(onward).toBeDefined();
    expect(out.text).toContain(`<a class="button" id="logout-continue" href="${onward}">Continue</a>`);
    expect(out.text).not.toMatch(/<script>|<script [^>]*>[^<]/);
    const hop = await browser.agent.get(onward!);
    expectWebPageHeaders(hop);
    const end = new URL(hop.headers['location']);
    expect(`${end.origin}${end.pathname}`).toBe(`${kc.url}/logout`);
    expect(end.searchParams.get('id_token_hint')).toBe(kc.lastIdToken);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${WEB}/login`);
    expect((await browser.agent.get('/console')).status).toBe(302);
    // The handle works once; a used one goes to the login page, with the same headers.
    const reused = await browser.agent.get(onward!);
    expect([reused.status, reused.headers['location']]).toEqual([303, '/login']);
    expectWebPageHeaders(reused);
  });

  it("answers every browser route of SSO with the console's policy, no-store and frame-ancestors", async () => {
    kc.user = { sub: `headers-${randomBytes(4).toString('hex')}`, claims: { name: 'Hedy Headers' } };
    const browser = new ConsoleBrowser(gw.app);
    const start = await browser.agent.get('/login/sso/keycloak');
    expectWebPageHeaders(start);
    const authorize = await fetch(start.headers['location'], { redirect: 'manual' });
    const callback = new URL(authorize.headers.get('location')!);
    const answer = await browser.agent.get(`${callback.pathname}${callback.search}`);
    expect(answer.status).toBe(303);
    expectWebPageHeaders(answer);
    // Refusals too: an unknown provider, a tampered callback, a bad return path.
    for (const path of ['/login/sso/nobody', '/callback_keycloak?code=x&state=y', '/login/sso/keycloak?next=//evil.example']) {
      const refused = await browser.agent.get(path);
      expect([path, refused.status, refused.headers['location']?.startsWith('/login?error=ERR_')]).toEqual([path, 303, true]);
      expectWebPageHeaders(refused);
    }
  });
});
