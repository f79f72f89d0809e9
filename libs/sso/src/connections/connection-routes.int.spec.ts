import { randomBytes } from 'node:crypto';
import { GroupStore, IdentityStore } from '@warden/identity';
import {
  TestBrowser,
  TestProvider,
  TestSamlIdp,
  callEndpoint,
  encodeResponse,
  loginError,
  postToAcs,
  ssoButtons,
  startSaml,
  startSsoHarness,
  userToken,
  type SsoHarness,
} from '../testing';

// Integration tier: stored connections' sign-in routes on the in-process gateway (real Redis and
// MongoDB-wire server): SAML against an IdP of our own, OIDC against a provider of our own.
jest.setTimeout(60_000);
const db = `warden_int_idp_routes_${process.pid}_${Date.now()}`;
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

// Every answer the specs see, and every secret they hand out: scanned at the end.
const transcript: string[] = [];
const secrets: string[] = [];
const newBrowser = () => new TestBrowser(h.url, transcript);
const post = async (id: string, form: Record<string, string>) => {
  secrets.push(form['SAMLResponse'] ?? '');
  const acs = await postToAcs(h.url, id, form);
  transcript.push(`${acs.status} ${acs.location}\n${acs.text}`);
  if (acs.finish) secrets.push(new URL(acs.finish, h.url).searchParams.get('code')!);
  return acs;
};
const api = (endpoint: string, body: object, token = tokens.admin) => callEndpoint<{ connection: { id: string } }>(h.url, token, endpoint, body);

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
  tokens.admin = await userToken(h.url, store, company, `admin-${db}`, 'admin');
  tokens.user = await userToken(h.url, store, company, `user-${db}`, 'user');
  tokens.otherAdmin = await userToken(h.url, store, other, `other-${db}`, 'admin');
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
    const browser = newBrowser();
    const start = await startSaml(browser, ids.saml);
    expect(start.location.startsWith(`${idp.ssoUrl}?SAMLRequest=`)).toBe(true);
    expect(browser.cookies.get('warden_sso')).toBeDefined();
    const acs = await post(ids.saml, {
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
    const browser = newBrowser();
    const start = await startSaml(browser, ids.saml);
    const acs = await post(ids.saml, { SAMLResponse: answer(ids.saml, start.requestId, `mallory-${++unique}`), RelayState: start.relay });
    const elsewhere = newBrowser();
    await startSaml(elsewhere, ids.saml);
    const stolen = await elsewhere.get(acs.finish!);
    expect(loginError(stolen)).toBe('ERR_SSO_STATE_FOREIGN');
    expect(stolen.cookies['clearml_token_basic']).toBeUndefined();
    const bare = await startSaml(browser, ids.saml);
    const acs2 = await post(ids.saml, { SAMLResponse: answer(ids.saml, bare.requestId, `mallory-${unique}`), RelayState: bare.relay });
    expect(loginError(await newBrowser().get(acs2.finish!))).toBe('ERR_SSO_STATE_FOREIGN');
  });

  it("refuses a response to one browser's request finished with another sign-in's state", async () => {
    const victim = newBrowser();
    const attacker = newBrowser();
    const theirs = await startSaml(victim, ids.saml);
    const mine = await startSaml(attacker, ids.saml);
    // The victim's valid response, posted with the attacker's RelayState, finished by the attacker.
    const acs = await post(ids.saml, { SAMLResponse: answer(ids.saml, theirs.requestId, `victim-${++unique}`), RelayState: mine.relay });
    expect(loginError(await attacker.get(acs.finish!))).toBe('ERR_SSO_STATE_FOREIGN');
  });

  it('signs the AuthnRequest when the connection has a key pair', async () => {
    const start = new URL((await startSaml(newBrowser(), ids.signed)).location);
    expect(start.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(start.searchParams.get('Signature')).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const unsigned = new URL((await startSaml(newBrowser(), ids.saml)).location);
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
    const browser = newBrowser();
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
    const start = await newBrowser().get(`/sso/${ids.oidc}/login`);
    const callback = new URL((await newBrowser().get(start.location)).location);
    expect(loginError(await newBrowser().get(`${callback.pathname}${callback.search}`))).toBe('ERR_SSO_STATE_FOREIGN');
  });
});

describe('the login page and login.supported_modes', () => {
  it('list the active connections after the env providers, by display name and start URL, not the inactive one', async () => {
    const buttons = await ssoButtons(h.url);
    expect(buttons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: `connection-${ids.saml}`, display_name: 'Corp SAML', url: `/sso/${ids.saml}/login` }),
        expect.objectContaining({ name: `connection-${ids.oidc}`, display_name: 'Corp OIDC', url: `/sso/${ids.oidc}/login` }),
      ]),
    );
    expect(buttons.map((b) => b.name)).not.toContain(`connection-${ids.inactive}`);
    // The console's login page lists what the service's entries are.
    expect(h.sso.entries().map((e) => e.name)).toEqual(buttons.map((b) => b.name));
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
    const res = await newBrowser().get(path());
    expect(res.status).toBe(404);
    expect(dataCode(res.text)).toBe(code);
  });
});

describe('Test Provider', () => {
  const asAdmin = (token = tokens.admin) => {
    const admin = newBrowser();
    admin.cookies.set('clearml_token_basic', token);
    return admin;
  };

  it('sends a browser without a session to the login page, and refuses non-admins and other companies', async () => {
    expect((await newBrowser().get(`/sso/${ids.saml}/test`)).location).toBe(`/login?next=${encodeURIComponent(`/sso/${ids.saml}/test`)}`);
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
    const acs = await post(ids.inactive, {
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
    const login = await newBrowser().get(`/sso/${ids.inactive}/login`);
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
    const acs = await post(ids.inactive, { SAMLResponse: encodeResponse(idp.sign(failed, 'Response')), RelayState: start.relay });
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

describe('secrets', () => {
  it('never answer or log a client secret, a private key, a SAMLResponse, an authorization or finish code', async () => {
    const answers = [...transcript, JSON.stringify(await api('identity_providers.get_all', {}))].join('\n');
    const logs = h.gateway.logs.text;
    const keyBody = spKeys.key.split('\n')[1];
    for (const text of [answers, logs]) {
      expect(text).not.toContain(oidc.clientSecret);
      expect(text).not.toContain(keyBody);
      expect(text).not.toContain('PRIVATE KEY');
      for (const response of secrets.filter((v) => v.length > 40 && !/^[\w-]{43}$/.test(v))) expect(text).not.toContain(response.slice(0, 200));
    }
    // Codes travel in URLs the browser follows, never into a log line.
    for (const code of [...secrets.filter((v) => /^[\w-]{43}$/.test(v)), ...oidc.issuedCodes]) expect(logs).not.toContain(code);
    expect(secrets.length).toBeGreaterThan(5);
    expect(oidc.issuedCodes.length).toBeGreaterThan(2);
  });
});
