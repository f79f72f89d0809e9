import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IdentityProviders } from '@warden/console';
import { ConsoleBrowser, consoleGateway, gatewayReady } from '@warden/console/testing';
import { WardenError } from '@warden/errors';
import { IdentityStore, type AuditEntry } from '@warden/identity';
import { generateSecret } from '@warden/secrets';
import { TestPki, type Issued } from '@warden/tls/testing';
import { ssoExtension } from '../sso-extension';
import { TestProvider, idpMetadataXml, providerSettingsFor } from '../testing';
import { OIDC_PROVIDERS, SAML_PROVIDERS } from './connection-fields';
import { forbiddenAddress } from './metadata-fetch';

// Integration tier: the console's Identity Providers page on the gateway in-process with libs/sso's
// extension, as the app mounts them (real Redis and MongoDB-wire server): admins only, form CSRF,
// every seed field on the form with the preset filled in, secrets never in a page, hostile names
// escaped, metadata by paste and by URL (with the SSRF guard), toggle and delete audited.
jest.setTimeout(60_000);
const db = `warden_int_idp_console_${process.pid}_${Date.now()}`;
const WEB = 'https://app.example.test';
const ADMIN = { username: 'ida', password: 'ida console password 42', name: 'Ida Admin', admin: true };
const USER = { username: 'uma', password: 'uma console password 42', name: 'Uma' };
const PASSWORD = 'another long passphrase 77';
const HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
const PATH = '/console/settings/identity-providers';

const codeOf = (text: string) => /id="error-code">([A-Z_]+)</.exec(text)?.[1];
const formCode = (text: string) => /id="idp-form-error"[^>]*data-code="([A-Z_]+)"/.exec(text)?.[1];
const idOf = (location: string) => /identity-providers\/([0-9a-f]{32})\?/.exec(location)![1];

// Every value that must never appear in a page: collected as the tests type them, scanned at the end.
const secrets: string[] = [];
const secret = (value: string) => (secrets.push(value), value);
const pages: string[] = [];

describe('console Identity Providers page (real Redis and MongoDB-wire server)', () => {
  const env = new TestProvider();
  let port: IdentityProviders | undefined;
  let gw: ReturnType<typeof consoleGateway>;
  let store: IdentityStore;
  let admin: ConsoleBrowser;
  let pki: TestPki;
  let idpCert: Issued;
  let spKeys: Issued;
  let metadataServer: Server;
  let metadataUrl: string;
  let otherCompany: string;

  const signedIn = async (username: string, password: string) => {
    const browser = new ConsoleBrowser(gw.app);
    const res = await browser.login(username, password);
    if (res.status !== 303) throw new Error(`login of ${username} failed: ${res.status}`);
    return browser;
  };
  const get = async (browser: ConsoleBrowser, path: string) => {
    const res = await browser.agent.get(path);
    pages.push(res.text);
    return res;
  };
  const submit = async (browser: ConsoleBrowser, path: string, fields: Record<string, string>, from = PATH) => {
    const res = await browser.submit(path, fields, from);
    pages.push(res.text);
    return res;
  };
  const adminActor = async () => {
    const user = (await store.findUserByUsername(ADMIN.username))!;
    return { user: user.id, company: user.company };
  };
  /** The audit trail is written in batches: waits (up to 5 s) for an event of `type` that matches. */
  async function audited(type: 'idp.create' | 'idp.activate' | 'idp.delete', match: (e: AuditEntry) => boolean): Promise<boolean> {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if ((await gw.gateway.admin.audit(await adminActor(), { types: [type], limit: 200 })).events.some(match)) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  }

  /** The configuration form of a preset as a browser sends it back: every field as rendered, plus `fields`. */
  async function newConnection(browser: ConsoleBrowser, protocol: string, provider: string, fields: Record<string, string>) {
    const form = await get(browser, `${PATH}/new?protocol=${protocol}&provider=${provider}`);
    expect(form.status).toBe(200);
    const sent: Record<string, string> = { protocol, provider };
    for (const [, name, value] of form.text.matchAll(/<input id="idp-field-[^"]+" name="([^"]+)" type="(?:text|url)" value="([^"]*)"/g)) sent[name] = value;
    for (const [, name] of form.text.matchAll(/<input type="checkbox" id="[^"]+" name="([^"]+)" value="yes" checked/g)) sent[name] = 'yes';
    for (const [, name, value] of form.text.matchAll(/<select id="idp-field-[^"]+" name="([^"]+)"[\s\S]*?<option value="([^"]+)" selected/g))
      sent[name] = value;
    return submit(browser, PATH, { ...sent, ...fields }, `${PATH}/new`);
  }

  beforeAll(async () => {
    await env.start();
    gw = consoleGateway({
      name: 'idp-console',
      db,
      fixedUsers: [ADMIN, USER],
      hosts: { web_host: WEB },
      extensions: [
        ssoExtension({
          providers: [providerSettingsFor({ name: 'corpsso', provider: env, config: { display_name: 'Corp SSO' } })],
          onConnections: (made) => (port = made),
        }),
      ],
      identityProviders: () => port,
    });
    await gatewayReady(gw);
    store = new IdentityStore({ connection: gw.backends.mongo!.connection, credentialPepper: gw.secrets.tokenSecret });
    otherCompany = (await store.ensureCompany({ name: 'Other Co' })).id;
    await store.createUser({ company: otherCompany, username: `other-admin-${db}`, role: 'admin', password: PASSWORD });
    admin = await signedIn(ADMIN.username, ADMIN.password);
    pki = new TestPki('IdP Console');
    idpCert = pki.leaf('idp', { dns: ['idp.example.test'] });
    spKeys = pki.leaf('sp', { dns: ['app.example.test'] });
    secret(spKeys.key);
    metadataServer = createServer((_req, res) =>
      res.writeHead(200, { 'Content-Type': 'application/samlmetadata+xml' }).end(idpMetadataXml({ signingCerts: [idpCert.cert] })),
    );
    await new Promise<void>((r) => metadataServer.listen(0, '127.0.0.1', r));
    metadataUrl = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}/realms/warden/protocol/saml/descriptor`;
  });
  afterAll(async () => {
    pki?.cleanup();
    await new Promise((r) => metadataServer?.close(r));
    await store?.close();
    await gw?.close();
    await env.stop();
  });

  it('answers a non-admin with the 403 page on the page and every action, and changes nothing', async () => {
    const user = await signedIn(USER.username, USER.password);
    for (const path of [PATH, `${PATH}/new`, `${PATH}/new?protocol=oidc&provider=google`, `${PATH}/0123456789abcdef0123456789abcdef`]) {
      const res = await get(user, path);
      expect([path, res.status, codeOf(res.text)]).toEqual([path, 403, 'ERR_FORBIDDEN']);
    }
    const sent = { protocol: 'oidc', provider: 'google', display_name: 'uma was here', client_id: 'x', client_secret: 'y-secret' };
    for (const action of [PATH, `${PATH}/active`, `${PATH}/delete`]) {
      const res = await submit(user, action, { ...sent, id: 'x', active: 'true' }, '/console');
      expect([action, res.status, codeOf(res.text)]).toEqual([action, 403, 'ERR_FORBIDDEN']);
    }
    expect((await get(user, '/console')).text).not.toContain('id="nav-identity-providers"');
    const uma = (await store.findUserByUsername(USER.username))!;
    expect(await port!.list({ user: uma.id, company: uma.company }).catch((e: WardenError) => e.code)).toBe('ERR_FORBIDDEN');
  });

  it('offers every seed protocol and provider, and fills the chosen preset into a form with every seed field', async () => {
    const choose = await get(admin, `${PATH}/new`);
    expect(choose.text).toContain('data-page="identity-provider-new"');
    for (const p of OIDC_PROVIDERS) expect(choose.text).toContain(`<option value="${p}" data-protocol="oidc">`);
    for (const p of SAML_PROVIDERS) expect(choose.text).toContain(`<option value="${p}" data-protocol="saml">`);
    const labels = [...choose.text.matchAll(/<option value="[^"]+" data-protocol="(oidc|saml)">([^<]+)</g)].map(
      ([, protocol, label]) => `${protocol}:${label}`,
    );
    expect(labels).toEqual([
      ...['Auth0', 'AWS Cognito', 'Google', 'Keycloak', 'Microsoft AD', 'Microsoft Azure', 'Okta', 'Ping', 'Custom'].map((l) => `oidc:${l}`),
      ...['Duo', 'Google', 'Jumpcloud', 'Microsoft AD', 'Custom'].map((l) => `saml:${l}`),
    ]);

    const google = await get(admin, `${PATH}/new?protocol=oidc&provider=google`);
    const oidcIds = ['web_app_url', 'callback_url', 'display_name', 'client_id', 'client_secret', 'authorization_endpoint', 'token_endpoint']
      .concat(['revocation_endpoint', 'user_info_from_id_token', 'userinfo_endpoint', 'email_verification', 'create_users_on_first_login'])
      .concat(['verify_token_signature', 'jwks_uri', 'code_challenge_method', 'standard_scopes', 'additional_scopes', 'group_sync-enabled', 'group_sync-claim'])
      .concat(['claims-user_id', 'claims-email', 'claims-name', 'claims-given_name', 'claims-family_name', 'claims-picture']);
    for (const id of oidcIds) expect([id, google.text.includes(`id="idp-field-${id}"`)]).toEqual([id, true]);
    expect(google.text).toContain(`name="authorization_endpoint" type="url" value="https://accounts.google.com/o/oauth2/v2/auth"`);
    expect(google.text).toContain(`name="web_app_url" type="url" value="${WEB}"`);
    expect(google.text).toMatch(/<option value="S256" selected>/);

    const adfs = await get(admin, `${PATH}/new?protocol=saml&provider=microsoft_ad`);
    const samlIds = ['web_app_url', 'acs_url', 'display_name', 'entity_id', 'idp_metadata', 'idp_metadata_url', 'idp_metadata-file']
      .concat(['require_signed_assertions', 'sign_requests-enabled', 'sign_requests-public_key', 'private_key', 'group_sync-enabled', 'group_sync-claim'])
      .concat(['claims-user_id', 'claims-email', 'claims-name', 'claims-given_name', 'claims-family_name', 'claims-picture']);
    for (const id of samlIds) expect([id, adfs.text.includes(`id="idp-field-${id}"`)]).toEqual([id, true]);
    expect(adfs.text).toContain('value="http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"');
    expect(adfs.text).toMatch(/id="idp-field-require_signed_assertions" name="require_signed_assertions" value="yes" checked/);
    // Every preset of the seed: its form carries each of its defaults (strings as values, switches as checked boxes).
    for (const protocol of ['oidc', 'saml'] as const) {
      for (const preset of port!.presets[protocol]) {
        const page = (await get(admin, `${PATH}/new?protocol=${protocol}&provider=${preset.id}`)).text;
        const flat = Object.entries(preset.defaults).flatMap(([k, v]) =>
          typeof v === 'object' && v ? Object.entries(v).map(([k2, v2]) => [`${k}.${k2}`, v2]) : [[k, v]],
        );
        for (const [name, value] of flat) {
          const shown =
            typeof value === 'boolean'
              ? new RegExp(`name="${name}" value="yes"\\s+${value ? 'checked' : 'aria'}`).test(page)
              : page.includes(`name="${name}"`) && (page.includes(`value="${String(value)}"`) || page.includes(`<option value="${String(value)}" selected>`));
          expect([protocol, preset.id, name, shown]).toEqual([protocol, preset.id, name, true]);
        }
      }
    }
    // A provider of the other protocol is refused by name.
    const mixed = await get(admin, `${PATH}/new?protocol=oidc&provider=duo`);
    expect([mixed.status, codeOf(mixed.text)]).toEqual([400, 'ERR_IDP_FIELD_INVALID']);
  });

  it('creates an OIDC connection from a preset, audited, whose secret is never rendered again', async () => {
    const clientSecret = secret(`kc-client-secret-${generateSecret()}`);
    const res = await newConnection(admin, 'oidc', 'keycloak', {
      display_name: 'Keycloak OIDC',
      client_id: 'warden-console',
      client_secret: clientSecret,
      authorization_endpoint: 'https://kc.example.test/realms/w/protocol/openid-connect/auth',
      token_endpoint: 'https://kc.example.test/realms/w/protocol/openid-connect/token',
      jwks_uri: 'https://kc.example.test/realms/w/protocol/openid-connect/certs',
      revocation_endpoint: 'https://kc.example.test/realms/w/protocol/openid-connect/revoke',
    });
    expect([res.status, /id="idp-form-error"[\s\S]*?<\/p>/.exec(res.text)?.[0]]).toEqual([303, undefined]);
    const id = idOf(res.headers['location']);
    const edit = await get(admin, `${PATH}/${id}`);
    expect(edit.text).toContain('data-page="identity-provider"');
    expect(edit.text).toContain(`value="${WEB}/sso/${id}/callback"`);
    expect(edit.text).toMatch(/id="idp-field-client_secret-state">set</);
    expect(edit.text).toContain(`id="idp-test" href="/sso/${id}/test" target="_blank"`);
    expect(edit.text).toContain('value="preferred_username"');
    const list = await get(admin, PATH);
    expect(list.text).toMatch(new RegExp(`<tr id="idp-${id}"[^>]*data-active="false"`));
    expect(list.text).toContain(`data-copy-text="${id}"`);
    expect(await audited('idp.create', (e) => Boolean(e.detail?.startsWith(id)) && e.outcome === 'success')).toBe(true);

    // Saving the edit form with the secret left empty keeps it; a new one replaces it.
    const keep = await submit(
      admin,
      `${PATH}/${id}`,
      {
        display_name: 'Keycloak OIDC',
        client_id: 'warden-console-2',
        web_app_url: WEB,
        authorization_endpoint: 'https://kc.example.test/a',
        token_endpoint: 'https://kc.example.test/t',
        user_info_from_id_token: 'yes',
        verify_token_signature: 'yes',
        jwks_uri: 'https://kc.example.test/j',
        code_challenge_method: 'S256',
        standard_scopes: 'openid,email',
        'claims.user_id': 'sub',
        'claims.email': 'email',
        'claims.name': 'name',
        'group_sync.claim': 'groups',
      },
      `${PATH}/${id}`,
    );
    expect(keep.status).toBe(303);
    const saved = await port!.get(await adminActor(), id);
    expect(saved).toMatchObject({ client_id: 'warden-console-2', client_secret_set: true });
    // The emptied optional field is cleared, not stored as null: a later API update still validates.
    expect(saved['revocation_endpoint']).toBeUndefined();
    expect((await port!.update(await adminActor(), { id, client_id: 'warden-console-3' })).client_id).toBe('warden-console-3');
  });

  it('escapes hostile names, refuses a duplicate name on the form without keeping the typed secret', async () => {
    const fields = {
      client_id: 'c',
      authorization_endpoint: 'https://h.example.test/a',
      token_endpoint: 'https://h.example.test/t',
      jwks_uri: 'https://h.example.test/j',
    };
    const res = await newConnection(admin, 'oidc', 'custom', { ...fields, display_name: HOSTILE, client_secret: secret(`hostile-${generateSecret()}`) });
    expect(res.status).toBe(303);
    const list = await get(admin, PATH);
    expect(list.text).not.toContain('<script>alert(1)');
    expect(list.text).not.toContain('<img src=x');
    expect(list.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');

    const typed = secret(`dup-${generateSecret()}`);
    const dup = await newConnection(admin, 'oidc', 'custom', { ...fields, display_name: HOSTILE.toUpperCase(), client_secret: typed });
    expect([dup.status, formCode(dup.text)]).toEqual([409, 'ERR_IDP_NAME_TAKEN']);
    expect(dup.text).toContain('data-page="identity-provider-form"');
    const bad = await newConnection(admin, 'oidc', 'custom', {
      ...fields,
      display_name: 'Bad URL',
      token_endpoint: 'javascript:alert(1)',
      client_secret: typed,
    });
    expect([bad.status, formCode(bad.text)]).toEqual([400, 'ERR_IDP_FIELD_INVALID']);
    expect(bad.text).toMatch(/data-field="token_endpoint"/);
  });

  it('creates SAML connections from pasted metadata and from a metadata URL; refuses bad metadata and forbidden URLs', async () => {
    const base = {
      display_name: 'Keycloak SAML',
      entity_id: 'warden-sp',
      'sign_requests.enabled': 'yes',
      'sign_requests.public_key': spKeys.cert,
      private_key: spKeys.key,
    };
    const pasted = await newConnection(admin, 'saml', 'custom', { ...base, idp_metadata: idpMetadataXml({ signingCerts: [idpCert.cert] }) });
    expect(pasted.status).toBe(303);
    const id = idOf(pasted.headers['location']);
    const edit = await get(admin, `${PATH}/${id}`);
    expect(edit.text).toContain(`value="${WEB}/sso/${id}/acs"`);
    expect(edit.text).toContain(`value="${WEB}/sso/${id}/metadata"`);
    expect(edit.text).toMatch(/id="idp-field-private_key-state">set</);
    expect(edit.text).toContain('id="idp-metadata-current"');
    expect(edit.text).toContain('https://idp.test/realms/warden');

    const byUrl = await newConnection(admin, 'saml', 'duo', { display_name: 'Duo by URL', entity_id: 'warden-sp-2', idp_metadata_url: metadataUrl });
    expect(byUrl.status).toBe(303);

    const refusals: [Record<string, string>, string][] = [
      [{ idp_metadata: '<md:EntityDescriptor' }, 'ERR_SAML_METADATA_INVALID'],
      [{ idp_metadata: idpMetadataXml({ signingCerts: [] }) }, 'ERR_SAML_METADATA_NO_CERT'],
      [
        { idp_metadata: idpMetadataXml({ signingCerts: [idpCert.cert], prolog: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' }) },
        'ERR_SAML_METADATA_DOCTYPE',
      ],
      [{ idp_metadata_url: 'http://169.254.169.254/latest/meta-data/' }, 'ERR_IDP_METADATA_URL_FORBIDDEN'],
      [{ idp_metadata_url: 'http://[fe80::1]/x' }, 'ERR_IDP_METADATA_URL_FORBIDDEN'],
      [{ idp_metadata_url: 'http://[::ffff:169.254.169.254]/latest/meta-data/' }, 'ERR_IDP_METADATA_URL_FORBIDDEN'],
      [{ idp_metadata_url: 'file:///etc/passwd' }, 'ERR_IDP_METADATA_URL_FORBIDDEN'],
      [{ idp_metadata_url: `http://user:pw@127.0.0.1:1/x` }, 'ERR_IDP_METADATA_URL_FORBIDDEN'],
      [{ idp_metadata_url: 'http://127.0.0.1:1/closed' }, 'ERR_IDP_METADATA_FETCH'],
      [{ idp_metadata_url: metadataUrl, idp_metadata: 'x' }, 'ERR_IDP_FIELD_INVALID'],
    ];
    for (const [fields, code] of refusals) {
      const res = await newConnection(admin, 'saml', 'custom', { display_name: `refused ${code}`, entity_id: 'x', ...fields });
      expect([JSON.stringify(fields).slice(0, 60), formCode(res.text)]).toEqual([JSON.stringify(fields).slice(0, 60), code]);
    }
    expect((await port!.list(await adminActor())).map((c) => c.display_name)).not.toContain('refused ERR_SAML_METADATA_INVALID');
    // Names that resolve to a forbidden address are refused too (checked on every resolved address).
    expect([
      forbiddenAddress('169.254.169.254'),
      forbiddenAddress('::ffff:169.254.1.1'),
      forbiddenAddress('fd00:ec2::254'),
      forbiddenAddress('10.0.0.5'),
    ]).toEqual([true, true, true, false]);
  });

  it('toggles a connection on and off and deletes it after a confirmation, audited; another company sees none of it', async () => {
    const list = await get(admin, PATH);
    const id = /<tr id="idp-([0-9a-f]{32})"/.exec(list.text)![1];
    const on = await submit(admin, `${PATH}/active`, { id, active: 'true' });
    expect([on.status, on.headers['location']]).toEqual([303, `${PATH}?notice=activated`]);
    expect((await get(admin, PATH)).text).toMatch(new RegExp(`id="idp-active-${id}" class="switch" role="switch" aria-checked="true"`));
    expect(await audited('idp.activate', (e) => Boolean(e.detail?.startsWith(id) && e.detail.endsWith('active=true')))).toBe(true);

    const other = await signedIn(`other-admin-${db}`, PASSWORD);
    const otherList = await get(other, PATH);
    expect(otherList.text).toContain('id="idp-empty"');
    for (const [path, fields] of [
      [`${PATH}/active`, { id, active: 'false' }],
      [`${PATH}/delete`, { id, confirm: 'yes' }],
      [`${PATH}/${id}`, { display_name: 'taken over' }],
    ] as const) {
      const res = await submit(other, path, fields);
      expect([path, res.status, codeOf(res.text)]).toEqual([path, 404, 'ERR_IDP_CONNECTION_UNKNOWN']);
    }
    expect((await get(other, `${PATH}/${id}`)).status).toBe(404);

    const confirm = await submit(admin, `${PATH}/delete`, { id });
    expect(confirm.text).toContain('data-page="identity-provider-delete"');
    const deleted = await submit(admin, `${PATH}/delete`, { id, confirm: 'yes' });
    expect([deleted.status, deleted.headers['location']]).toEqual([303, `${PATH}?notice=deleted`]);
    expect((await get(admin, PATH)).text).not.toContain(`id="idp-${id}"`);
    expect(await audited('idp.delete', (e) => Boolean(e.detail?.startsWith(id)))).toBe(true);
  });

  it("refuses a form without its CSRF token or with another session's", async () => {
    const before = (await get(admin, PATH)).text.match(/<tr id="idp-/g)?.length ?? 0;
    const none = await admin.agent.post(PATH).type('form').send({ protocol: 'oidc', provider: 'custom', display_name: 'csrf' });
    expect([none.status, codeOf(none.text)]).toEqual([403, 'ERR_CSRF']);
    const user = await signedIn(USER.username, USER.password);
    const foreign = /name="_csrf" value="([^"]+)"/.exec((await get(user, '/console')).text)![1];
    const list = await get(admin, PATH);
    const id = /<tr id="idp-([0-9a-f]{32})"/.exec(list.text)![1];
    const wrong = await admin.agent.post(`${PATH}/delete`).type('form').send({ _csrf: foreign, id, confirm: 'yes' });
    expect([wrong.status, codeOf(wrong.text)]).toEqual([403, 'ERR_CSRF']);
    expect((await get(admin, PATH)).text.match(/<tr id="idp-/g)?.length ?? 0).toBe(before);
  });

  it('lists the env-configured provider read-only and never renders a secret on any page it served', async () => {
    const list = await get(admin, PATH);
    expect(list.text).toContain('<tr id="idp-env-corpsso" data-name="corpsso">');
    expect(list.text).not.toMatch(/idp-(active|edit|delete)-corpsso/);
    expect(pages.length).toBeGreaterThan(30);
    for (const value of secrets) for (const page of pages) expect(page.includes(value)).toBe(false);
    for (const value of secrets) expect(gw.logs.text.includes(value)).toBe(false);
  });
});
