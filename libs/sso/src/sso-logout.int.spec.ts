import { randomBytes } from 'node:crypto';
import { IdentityStore } from '@warden/identity';
import { createServiceVerifier, verifierDefaults, verifierSettingsSchema, type ServiceVerifier } from '@warden/tokens';
import { TestBrowser, TestProvider, loginError, startSsoHarness, type SsoHarness } from './testing';

// Integration tier: logout of SSO logins. Back-channel logout must reach verifiers built exactly as
// the apiserver's and the fileserver's (JWKS + the Redis revocation list) within 2 seconds.
const db = `warden_int_sso_logout_${process.pid}_${Date.now()}`;
const COMPANY = randomBytes(16).toString('hex');
const kc = new TestProvider();

let h: SsoHarness;
let store: IdentityStore;
let apiserver: ServiceVerifier;
let fileserver: ServiceVerifier;
let n = 0;

const verifierFor = (audience: string) =>
  createServiceVerifier(
    verifierSettingsSchema.parse({ ...verifierDefaults(audience), jwks_url: `${h.url}/.well-known/jwks.json` }),
    h.gateway.backends.redis!.client,
    () => undefined,
  );
const accepts = (v: ServiceVerifier, token: string) =>
  v.verifier.verify(token).then(
    () => true,
    () => false,
  );
const postLogout = (token: string, provider = 'keycloak') =>
  fetch(`${h.url}/backchannel_logout_${provider}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: token }),
  });

async function signIn(sub: string): Promise<{ token: string; csrf: string; sid: string; idToken: string; browser: TestBrowser }> {
  kc.user = { sub, claims: { preferred_username: sub } };
  const browser = new TestBrowser(h.url);
  const answer = await browser.signIn('keycloak');
  expect(loginError(answer)).toBeNull();
  return { token: answer.cookies['clearml_token_basic'], csrf: answer.cookies['warden_csrf'], sid: kc.lastSid!, idToken: kc.lastIdToken!, browser };
}

beforeAll(async () => {
  await kc.start();
  h = await startSsoHarness('ssologout', db, [{ name: 'keycloak', provider: kc, defaultCompany: COMPANY, config: { idp_logout: true } }]);
  store = new IdentityStore({ connection: h.gateway.backends.mongo!.connection, credentialPepper: h.secrets.tokenSecret });
  await store.ensureCompany({ id: COMPANY, name: 'Acme' });
  apiserver = verifierFor('clearml-api');
  fileserver = verifierFor('clearml-files');
  const deadline = Date.now() + 10_000;
  while (!h.sso.entries()[0].available && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}, 60_000);

afterAll(async () => {
  await apiserver?.close();
  await fileserver?.close();
  await store?.close();
  await h?.close();
  await kc.stop();
});

describe('sso back-channel logout', () => {
  it('revokes the session of the sid at the apiserver and fileserver verifiers within 2 s', async () => {
    const session = await signIn(`bc-${++n}`);
    const bystander = await signIn(`bc-${++n}`);
    expect(await accepts(apiserver, session.token)).toBe(true);
    expect(await accepts(fileserver, session.token)).toBe(true);

    const started = Date.now();
    const res = await postLogout(kc.logoutToken({ sid: session.sid }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    let elapsed = 0;
    while ((await accepts(apiserver, session.token)) || (await accepts(fileserver, session.token))) {
      elapsed = Date.now() - started;
      if (elapsed > 2000) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    elapsed = Date.now() - started;
    expect(elapsed).toBeLessThanOrEqual(2000);
    expect(await accepts(apiserver, bystander.token)).toBe(true);
    const me = await fetch(`${h.url}/users.get_current_user`, { method: 'POST', headers: { Authorization: `Bearer ${session.token}` } });
    expect(me.status).toBe(401);
  });

  it('revokes every session of a subject when the token names only sub', async () => {
    const sub = `bc-${++n}`;
    const one = await signIn(sub);
    const two = await signIn(sub);
    expect(await postLogout(kc.logoutToken({ sub })).then((r) => r.status)).toBe(200);
    const deadline = Date.now() + 2000;
    while (((await accepts(apiserver, one.token)) || (await accepts(apiserver, two.token))) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(await accepts(apiserver, one.token)).toBe(false);
    expect(await accepts(apiserver, two.token)).toBe(false);
  });

  it.each([
    ['without the events claim', () => kc.logoutToken({ sub: 'x', omitEvents: true })],
    ['with a nonce', () => kc.logoutToken({ sub: 'x', claims: { nonce: 'n' } })],
    ['naming neither sid nor sub', () => kc.logoutToken({})],
    ['for another client', () => kc.logoutToken({ sub: 'x', claims: { aud: 'someone-else' } })],
    ['from another issuer', () => kc.logoutToken({ sub: 'x', claims: { iss: 'https://evil.example' } })],
    ['expired', () => kc.logoutToken({ sub: 'x', claims: { exp: Math.floor(Date.now() / 1000) - 3600 } })],
    ['signed by another provider', () => new TestProvider().logoutToken({ sub: 'x' })],
    ['that is an ID token', () => kc.lastIdToken!],
    ['that is not a JWT', () => 'not-a-token'],
  ])('refuses a logout token %s with 400, revoking nothing', async (_name, make) => {
    const session = await signIn(`bc-${++n}`);
    const res = await postLogout(make());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    await new Promise((r) => setTimeout(r, 300));
    expect(await accepts(apiserver, session.token)).toBe(true);
  });

  it('refuses a replayed logout token', async () => {
    const session = await signIn(`bc-${++n}`);
    const token = kc.logoutToken({ sid: session.sid });
    expect((await postLogout(token)).status).toBe(200);
    expect((await postLogout(token)).status).toBe(400);
  });

  it('answers 404 for an unknown provider and 400 for an oversized body, never 500', async () => {
    expect((await postLogout(kc.logoutToken({ sub: 'x' }), 'nosuch')).status).toBe(404);
    expect((await postLogout('x'.repeat(100_000))).status).toBe(400);
  });
});

describe('sso logout with idp_logout', () => {
  it("sends the browser to the provider's end-session endpoint with id_token_hint, through a one-time server-side redirect", async () => {
    const session = await signIn(`idp-${++n}`);
    const res = await fetch(`${h.url}/login.logout`, {
      method: 'POST',
      headers: { Cookie: `clearml_token_basic=${session.token}; warden_csrf=${session.csrf}`, 'X-CSRF-Token': session.csrf },
    });
    expect(res.status).toBe(200);
    const redirect = ((await res.json()) as { data: { redirect_url: string } }).data.redirect_url;
    expect(redirect).toMatch(/^\/logout_sso\/[\w-]{43}$/);
    // The ID token is in no answer a script reads: only in the redirect the browser follows.
    expect(JSON.stringify(res.headers.getSetCookie())).not.toContain(session.idToken);

    const hop = await session.browser.get(redirect);
    expect(hop.status).toBe(303);
    const end = new URL(hop.location);
    expect(`${end.origin}${end.pathname}`).toBe(`${kc.url}/logout`);
    expect(end.searchParams.get('id_token_hint')).toBe(session.idToken);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${h.url}/login`);
    expect((await session.browser.get(redirect)).location).toBe('/login');
    expect(await accepts(apiserver, session.token)).toBe(false);
  });
});
