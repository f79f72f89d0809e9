import { randomBytes } from 'node:crypto';
import { GroupStore, IdentityStore } from '@warden/identity';
import { TestBrowser, TestProvider, TestSamlIdp, encodeResponse, loginError, postToAcs, startSaml, startSsoHarness, type SsoHarness } from '../testing';

// Integration tier: stored connections' sign-in routes on the in-process gateway (real Redis and
// MongoDB-wire server): SAML against an IdP of our own, OIDC against a provider of our own.
jest.setTimeout(60_000);
const db = `warden_int_idp_routes_${process.pid}_${Date.now()}`;
const PASSWORD = 'correct horse battery staple 42';
const idp = new TestSamlIdp();
const spKeys = new TestSamlIdp();
const oidc = new TestProvider({ clientId: 'warden-conn' });

let h: SsoHarness;
let store: IdentityStore;
let groups: GroupStore;
let company: string;
const tokens = { admin: '', user: '', otherAdmin: '' };
const ids = { saml: '', signed: '', oidc: '', inactive: '' };
let unique = 0;

async function userToken(of: string, username: string, role: 'admin' | 'user'): Promise<string> {
  const user = await store.createUser({ company: of, username, role, password: PASSWORD });
  const keys = await store.createCredentials(user.id);
  const res = await fetch(`${h.url}/auth.login`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${keys.access_key}:${keys.secret_key}`).toString('base64')}`, 'Content-Type': 'application/json' },
    body: '{}',
  });
  return ((await res.json()) as { data: { token: string } }).data.token;
}

async function api(endpoint: string, body: object, token = tokens.admin) {
  const res = await fetch(`${h.url}/${endpoint}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { meta: { error_data?: { code?: string } }; data: { connection: { id: string } } };
  if (res.status !== 200) throw new Error(`${endpoint} answered ${res.status} ${json.meta.error_data?.code}`);
  return json.data;
}

const whoAmI = async (token: string) => {
  const res = await fetch(`${h.url}/users.get_current_user`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  return ((await res.json()) as { data: { user: { id: string; company: { id: string }; email: string } } }).data.user;
};

const samlInput = (name: string, extra: Record<string, unknown> = {}) => ({
  protocol: 'saml',
  provider: 'custom',
  web_app_url: h.url,
  display_name: name,
  entity_id: `${h.url}/saml/${name}`,
  idp_metadata: idp.metadata(),
  claims: { user_id: 'nameID', email: 'email', name: 'name' },
  group_sync: { enabled: true, claim: 'groups' },
  ...extra,
});

/** What an honest IdP answers to a started sign-in. */
const answer = (id: string, requestId: string, nameID: string, attributes: Record<string, string[]> = {}) =>
  encodeResponse(idp.response({ inResponseTo: requestId, recipient: `${h.url}/sso/${id}/acs`, audience: `${h.url}/saml/Corp SAML`, nameID, attributes }));

const linkCount = () => h.gateway.backends.mongo!.connection.collection('sso_links').countDocuments();
const dataCode = (text: string) => /data-code="([^"]+)"/.exec(text)?.[1];

beforeAll(async () => {
  await oidc.start();
  h = await startSsoHarness('idp-routes', db, []);
  const connection = h.gateway.backends.mongo!.connection;
  store = new IdentityStore({ connection, credentialPepper: h.secrets.tokenSecret });
  groups = new GroupStore(connection);
  company = (await store.ensureCompany({ name: `Routes ${db}` })).id;
  const other = (await store.ensureCompany({ name: `Other ${db}` })).id;
  await groups.create(company, 'ml');
  tokens.admin = await userToken(company, `admin-${db}`, 'admin');
  tokens.user = await userToken(company, `user-${db}`, 'user');
  tokens.otherAdmin = await userToken(other, `other-${db}`, 'admin');
  ids.saml = (await api('identity_providers.create', samlInput('Corp SAML'))).connection.id;
  ids.signed = (
    await api('identity_providers.create', samlInput('Signed SAML', { sign_requests: { enabled: true, public_key: spKeys.cert }, private_key: spKeys.key }))
  ).connection.id;
  ids.inactive = (await api('identity_providers.create', samlInput('Dormant SAML'))).connection.id;
  ids.oidc = (
    await api('identity_providers.create', {
      protocol: 'oidc',
      provider: 'keycloak',
      web_app_url: h.url,
      display_name: 'Corp OIDC',
      client_id: oidc.clientId,
      client_secret: oidc.clientSecret,
      authorization_endpoint: `${oidc.url}/authorize`,
      token_endpoint: `${oidc.url}/token`,
      jwks_uri: `${oidc.url}/jwks`,
      create_users_on_first_login: true,
      email_verification: false,
      group_sync: { enabled: true, claim: 'groups' },
    })
  ).connection.id;
  for (const id of [ids.saml, ids.signed, ids.oidc]) await api('identity_providers.set_active', { id, active: true });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await h?.close();
  await oidc.stop();
});

describe('SAML sign-in through a stored connection', () => {
  it('redirects to the IdP, verifies the cross-site POST, and signs in only at the same-origin finish', async () => {
    const browser = new TestBrowser(h.url);
    const start = await startSaml(browser, ids.saml);
    expect(start.location.startsWith(`${idp.ssoUrl}?SAMLRequest=`)).toBe(true);
    expect(browser.cookies.get('warden_sso')).toBeDefined();
    const acs = await postToAcs(h.url, ids.saml, {
      SAMLResponse: answer(ids.saml, start.requestId, `alice-${++unique}`, { email: [`alice${unique}@corp.test`], groups: ['ml', 'nope'] }),
      RelayState: start.relay,
    });
    expect(acs.status).toBe(200);
    // The ACS creates no session: the cross-site POST cannot carry the browser's cookies.
    expect(acs.setCookies.filter((c) => c.startsWith('clearml_token_basic'))).toEqual([]);
    expect(acs.finish).toMatch(new RegExp(`^/sso/${ids.saml}/finish\\?code=[\\w-]{43}$`));
    const finish = await browser.get(acs.finish!);
    expect(finish.status).toBe(303);
    const me = await whoAmI(finish.cookies['clearml_token_basic']);
    expect(me).toMatchObject({ company: { id: company }, email: `alice${unique}@corp.test` });
    expect((await groups.groupsOf(company, me.id)).map((g) => g.name)).toEqual(['ml']);
    // The code is single use.
    expect(loginError(await browser.get(acs.finish!))).toBe('ERR_SSO_STATE_UNKNOWN');
  });

  it('refuses a result finished in another browser (no binding cookie, or another one)', async () => {
    const browser = new TestBrowser(h.url);
    const start = await startSaml(browser, ids.saml);
    const acs = await postToAcs(h.url, ids.saml, { SAMLResponse: answer(ids.saml, start.requestId, `mallory-${++unique}`), RelayState: start.relay });
    const elsewhere = new TestBrowser(h.url);
    await startSaml(elsewhere, ids.saml);
    const stolen = await elsewhere.get(acs.finish!);
    expect(loginError(stolen)).toBe('ERR_SSO_STATE_FOREIGN');
    expect(stolen.cookies['clearml_token_basic']).toBeUndefined();
    const bare = await startSaml(browser, ids.saml);
    const acs2 = await postToAcs(h.url, ids.saml, { SAMLResponse: answer(ids.saml, bare.requestId, `mallory-${unique}`), RelayState: bare.relay });
    expect(loginError(await new TestBrowser(h.url).get(acs2.finish!))).toBe('ERR_SSO_STATE_FOREIGN');
  });

  it("refuses a response to one browser's request finished with another sign-in's state", async () => {
    const victim = new TestBrowser(h.url);
    const attacker = new TestBrowser(h.url);
    const theirs = await startSaml(victim, ids.saml);
    const mine = await startSaml(attacker, ids.saml);
    // The victim's valid response, posted with the attacker's RelayState, finished by the attacker.
    const acs = await postToAcs(h.url, ids.saml, { SAMLResponse: answer(ids.saml, theirs.requestId, `victim-${++unique}`), RelayState: mine.relay });
    expect(loginError(await attacker.get(acs.finish!))).toBe('ERR_SSO_STATE_FOREIGN');
  });

  it('signs the AuthnRequest when the connection has a key pair', async () => {
    const start = new URL((await startSaml(new TestBrowser(h.url), ids.signed)).location);
    expect(start.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(start.searchParams.get('Signature')).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const unsigned = new URL((await startSaml(new TestBrowser(h.url), ids.saml)).location);
    expect(unsigned.searchParams.get('Signature')).toBeNull();
  });

  it('publishes SP metadata per connection (inactive ones too), with the signing certificate when there is one', async () => {
    const res = await fetch(`${h.url}/sso/${ids.signed}/metadata`);
    const xml = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^application\/samlmetadata\+xml/);
    expect(xml).toContain(`Location="${h.url}/sso/${ids.signed}/acs"`);
    expect(xml).toContain(spKeys.cert.split('\n')[1]);
    expect(xml).not.toContain('PRIVATE KEY');
    expect((await fetch(`${h.url}/sso/${ids.inactive}/metadata`)).status).toBe(200);
  });
});

describe('OIDC sign-in through a stored connection', () => {
  it("signs in through the provider with PKCE, state and nonce, in the connection's company, groups synced", async () => {
    oidc.user = { sub: `oidc-${++unique}`, claims: { preferred_username: `olga-${unique}`, email: `olga${unique}@corp.test`, groups: ['ml'] } };
    const browser = new TestBrowser(h.url);
    const start = await browser.get(`/sso/${ids.oidc}/login?next=/console/settings`);
    const authorize = new URL(start.location);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${h.url}/sso/${ids.oidc}/callback`);
    expect(authorize.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
    const callback = new URL((await browser.get(start.location)).location);
    const done = await browser.get(`${callback.pathname}${callback.search}`);
    expect(done.location).toBe('/console/settings');
    const me = await whoAmI(done.cookies['clearml_token_basic']);
    expect(me).toMatchObject({ company: { id: company }, email: `olga${unique}@corp.test` });
    expect((await groups.groupsOf(company, me.id)).map((g) => g.name)).toEqual(['ml']);
  });

  it('refuses a callback in another browser', async () => {
    oidc.user = { sub: `oidc-${++unique}`, claims: {} };
    const start = await new TestBrowser(h.url).get(`/sso/${ids.oidc}/login`);
    const callback = new URL((await new TestBrowser(h.url).get(start.location)).location);
    expect(loginError(await new TestBrowser(h.url).get(`${callback.pathname}${callback.search}`))).toBe('ERR_SSO_STATE_FOREIGN');
  });
});

describe('connection routes refuse clearly', () => {
  it.each([
    ['an unknown connection', () => `/sso/${randomBytes(16).toString('hex')}/login`, 'ERR_IDP_CONNECTION_UNKNOWN'],
    ['a malformed id', () => '/sso/not-an-id/login', 'ERR_IDP_CONNECTION_UNKNOWN'],
    ['an inactive connection', () => `/sso/${ids.inactive}/login`, 'ERR_IDP_CONNECTION_INACTIVE'],
    ["an OIDC connection's metadata", () => `/sso/${ids.oidc}/metadata`, 'ERR_IDP_PROTOCOL'],
    ["a SAML connection's OIDC callback", () => `/sso/${ids.saml}/callback?code=x&state=y`, 'ERR_IDP_PROTOCOL'],
  ])('%s: 404 with its code', async (_name, path, code) => {
    const res = await new TestBrowser(h.url).get(path());
    expect(res.status).toBe(404);
    expect(dataCode(res.text)).toBe(code);
  });
});

describe('Test Provider', () => {
  const asAdmin = (token = tokens.admin) => {
    const browser = new TestBrowser(h.url);
    browser.cookies.set('clearml_token_basic', token);
    return browser;
  };

  it('sends a browser without a session to the login page, and refuses non-admins and other companies', async () => {
    expect((await new TestBrowser(h.url).get(`/sso/${ids.saml}/test`)).location).toBe(`/login?next=${encodeURIComponent(`/sso/${ids.saml}/test`)}`);
    const user = await asAdmin(tokens.user).get(`/sso/${ids.saml}/test`);
    expect([user.status, dataCode(user.text)]).toEqual([403, 'ERR_FORBIDDEN']);
    const other = await asAdmin(tokens.otherAdmin).get(`/sso/${ids.saml}/test`);
    expect([other.status, dataCode(other.text)]).toEqual([404, 'ERR_IDP_CONNECTION_UNKNOWN']);
  });

  it('runs a real SAML login on an inactive connection and shows the mapping, creating no user, link or session', async () => {
    const users = (await store.listUsers(company)).length;
    const links = await linkCount();
    const browser = asAdmin();
    const start = await startSaml(browser, ids.inactive, 'test');
    const acs = await postToAcs(h.url, ids.inactive, {
      SAMLResponse: encodeResponse(
        idp.response({
          inResponseTo: start.requestId,
          recipient: `${h.url}/sso/${ids.inactive}/acs`,
          audience: `${h.url}/saml/Dormant SAML`,
          nameID: 'tess',
          attributes: { email: ['tess@corp.test'], name: ['<b>Tess</b>'], groups: ['ml', 'other'] },
        }),
      ),
      RelayState: start.relay,
    });
    const result = await browser.get(acs.finish!);
    expect(result.status).toBe(200);
    expect(result.text).toContain('data-outcome="ok"');
    expect(result.text).toMatch(/id="idp-test-user-id">tess</);
    expect(result.text).toMatch(/id="idp-test-email">tess@corp.test</);
    expect(result.text).toMatch(/id="idp-test-groups">ml</);
    expect(result.text).toContain('&lt;b&gt;Tess&lt;/b&gt;');
    expect(result.text).not.toContain('<b>Tess</b>');
    expect(result.cookies['clearml_token_basic']).toBeUndefined();
    expect((await store.listUsers(company)).length).toBe(users);
    expect(await linkCount()).toBe(links);
    // The same flow as a sign-in (no test mark) is refused: the connection is not active.
    const login = await new TestBrowser(h.url).get(`/sso/${ids.inactive}/login`);
    expect(dataCode(login.text)).toBe('ERR_IDP_CONNECTION_INACTIVE');
  });

  it("shows the SAML IdP's failure status as it came", async () => {
    const browser = asAdmin();
    const start = await startSaml(browser, ids.inactive, 'test');
    // As IdPs answer a failure: a status and its message, no assertion.
    const failed = idp
      .responseXml('', { inResponseTo: start.requestId, recipient: `${h.url}/sso/${ids.inactive}/acs` })
      .replace(
        '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>',
        '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Requester"/><samlp:StatusMessage>User &lt;x&gt; is not assigned</samlp:StatusMessage>',
      );
    const acs = await postToAcs(h.url, ids.inactive, { SAMLResponse: encodeResponse(idp.sign(failed, 'Response')), RelayState: start.relay });
    const result = await browser.get(acs.finish!);
    expect(result.text).toContain('data-outcome="error"');
    expect(dataCode(result.text)).toBe('ERR_SAML_STATUS');
    expect(result.text).toContain('the IdP answered Requester: User &lt;x&gt; is not assigned');
  });

  it("runs a real OIDC login and shows the provider's error escaped, as it came", async () => {
    const browser = asAdmin();
    const start = await browser.get(`/sso/${ids.oidc}/test`);
    const state = new URL(start.location).searchParams.get('state')!;
    const query = new URLSearchParams({ state, error: 'invalid_scope', error_description: '<script>alert(1)</script> scope "groups" unknown' });
    const result = await browser.get(`/sso/${ids.oidc}/callback?${query.toString()}`);
    expect(result.status).toBe(200);
    expect(dataCode(result.text)).toBe('ERR_SSO_PROVIDER_ERROR');
    expect(result.text).toContain('invalid_scope: &lt;script&gt;alert(1)&lt;/script&gt; scope &quot;groups&quot; unknown');
    expect(result.text).not.toContain('<script>');
  });

  it('runs a real OIDC login and shows the mapped claims without signing in', async () => {
    const users = (await store.listUsers(company)).length;
    oidc.user = { sub: `probe-${++unique}`, claims: { preferred_username: 'probe', email: 'probe@corp.test', groups: ['ml'] } };
    const browser = asAdmin();
    const start = await browser.get(`/sso/${ids.oidc}/test`);
    const callback = new URL((await browser.get(start.location)).location);
    const result = await browser.get(`${callback.pathname}${callback.search}`);
    expect(result.text).toMatch(/id="idp-test-name">probe</);
    expect(result.text).toMatch(/id="idp-test-groups">ml</);
    expect(result.cookies['clearml_token_basic']).toBeUndefined();
    expect((await store.listUsers(company)).length).toBe(users);
  });
});
