import request from 'supertest';
import { IdentityStore, type AuditEntry } from '@warden/identity';
import { generateSecret } from '@warden/secrets';
import { TestPki, type Issued } from '@warden/tls/testing';
import { idpMetadataXml, startSsoHarness, userToken, type SsoHarness } from '../testing';

// Integration tier: identity-provider connections through the gateway's identity_providers.*
// endpoints against the real MongoDB-wire server and Redis: admins only, one company each,
// unique names, secrets sealed at rest and never in an answer, every change audited.
jest.setTimeout(60_000);
const db = `warden_int_idp_connections_${process.pid}_${Date.now()}`;
const WEB = 'https://warden.example.test';

// Every value that must never come back: collected as the tests make them, scanned at the end.
const written: string[] = [];
const secret = (value: string) => (written.push(value), value);
const bodies: string[] = [];

const oidcInput = (overrides: Record<string, unknown> = {}) => ({
  protocol: 'oidc',
  provider: 'custom',
  web_app_url: WEB,
  display_name: 'Corporate Okta',
  client_id: 'warden-app',
  client_secret: secret(`oidc-client-secret-${generateSecret()}`),
  authorization_endpoint: 'https://idp.example.test/authorize',
  token_endpoint: 'https://idp.example.test/token',
  jwks_uri: 'https://idp.example.test/jwks',
  ...overrides,
});

describe('identity-provider connections (real MongoDB-wire server and Redis)', () => {
  let h: SsoHarness;
  let store: IdentityStore;
  let pki: TestPki;
  let idpCert: Issued;
  let spKeys: Issued;
  let otherKeys: Issued;
  const tokens: Record<'admin' | 'user' | 'otherAdmin', string> = { admin: '', user: '', otherAdmin: '' };
  let companyA: string;

  const call = async (endpoint: string, who: keyof typeof tokens, body: object = {}) => {
    const res = await request(h.url).post(`/${endpoint}`).set('Authorization', `Bearer ${tokens[who]}`).send(body);
    bodies.push(res.text);
    return res;
  };
  const codeOf = (res: request.Response) => [res.status, res.body.meta?.error_data?.code];
  const rawDocs = () => h.gateway.backends.mongo!.connection.collection('idp_connections').find({}).toArray();

  beforeAll(async () => {
    pki = new TestPki('IdP Connections');
    idpCert = pki.leaf('idp', { dns: ['idp.example.test'] });
    spKeys = pki.leaf('sp', { dns: ['warden.example.test'] });
    otherKeys = pki.leaf('other', { dns: ['other.example.test'] });
    h = await startSsoHarness('idp-connections', db, []);
    store = new IdentityStore({ connection: h.gateway.backends.mongo!.connection, credentialPepper: h.secrets.tokenSecret });
    companyA = (await store.ensureCompany({ name: 'Company A' })).id;
    const companyB = (await store.ensureCompany({ name: 'Company B' })).id;
    tokens.admin = await userToken(h.url, store, companyA, `admin-a-${db}`, 'admin');
    tokens.user = await userToken(h.url, store, companyA, `user-a-${db}`, 'user');
    tokens.otherAdmin = await userToken(h.url, store, companyB, `admin-b-${db}`, 'admin');
  }, 60_000);

  afterAll(async () => {
    pki?.cleanup();
    await store?.close();
    await h?.close();
  });

  it('creates an OIDC connection, inactive, with its derived callback URL and only a flag for the secret', async () => {
    const res = await call('identity_providers.create', 'admin', oidcInput());
    expect(res.status).toBe(200);
    const c = res.body.data.connection;
    expect(c).toMatchObject({
      protocol: 'oidc',
      provider: 'custom',
      active: false,
      display_name: 'Corporate Okta',
      client_secret_set: true,
      code_challenge_method: 'S256',
    });
    expect(c.callback_url).toBe(`${WEB}/sso/${c.id}/callback`);
    expect(c).not.toHaveProperty('client_secret');
    const listed = await call('identity_providers.get_all', 'admin');
    expect(listed.body.data.connections.map((x: { id: string }) => x.id)).toContain(c.id);
    const got = await call('identity_providers.get_by_id', 'admin', { id: c.id });
    expect(got.body.data.connection).toEqual(c);
  });

  it("a preset fills the provider's defaults (Google's endpoints, Cognito's group claim), the admin's fields win", async () => {
    const google = await call('identity_providers.create', 'admin', {
      protocol: 'oidc',
      provider: 'google',
      web_app_url: WEB,
      display_name: 'Google',
      client_id: 'x.apps.googleusercontent.com',
      client_secret: secret(`google-secret-${generateSecret()}`),
    });
    expect(google.status).toBe(200);
    expect(google.body.data.connection).toMatchObject({
      authorization_endpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
      token_endpoint: 'https://oauth2.googleapis.com/token',
      jwks_uri: 'https://www.googleapis.com/oauth2/v3/certs',
      standard_scopes: 'openid,profile,email',
      claims: { user_id: 'sub', email: 'email' },
    });
    const cognito = await call(
      'identity_providers.create',
      'admin',
      oidcInput({ provider: 'aws_cognito', display_name: 'Cognito', claims: { email: 'mail' } }),
    );
    expect(cognito.body.data.connection.group_sync).toEqual({ enabled: false, claim: 'cognito:groups' });
    expect(cognito.body.data.connection.claims).toMatchObject({ email: 'mail', user_id: 'sub' });
  });

  it('refuses a display name another connection of the company has (any case), on create and on rename; another company may use it', async () => {
    const before = (await rawDocs()).length;
    expect(codeOf(await call('identity_providers.create', 'admin', oidcInput({ display_name: '  corporate OKTA ' })))).toEqual([409, 'ERR_IDP_NAME_TAKEN']);
    expect((await rawDocs()).length).toBe(before);
    const other = await call('identity_providers.create', 'admin', oidcInput({ display_name: 'Second' }));
    const rename = await call('identity_providers.update', 'admin', { id: other.body.data.connection.id, display_name: 'Corporate Okta' });
    expect(codeOf(rename)).toEqual([409, 'ERR_IDP_NAME_TAKEN']);
    expect(rename.body.meta.result_msg).toContain('Corporate Okta');
    expect((await call('identity_providers.create', 'otherAdmin', oidcInput())).status).toBe(200);
  });

  it('refuses a non-admin on every endpoint, and writes nothing', async () => {
    const [own] = (await call('identity_providers.get_all', 'admin')).body.data.connections;
    const before = JSON.stringify(await rawDocs());
    const attempts: [string, object][] = [
      ['identity_providers.get_all', {}],
      ['identity_providers.get_by_id', { id: own.id }],
      ['identity_providers.create', oidcInput({ display_name: 'Sneaky' })],
      ['identity_providers.update', { id: own.id, display_name: 'Sneaky' }],
      ['identity_providers.set_active', { id: own.id, active: true }],
      ['identity_providers.delete', { id: own.id }],
    ];
    for (const [endpoint, body] of attempts) expect([endpoint, codeOf(await call(endpoint, 'user', body))]).toEqual([endpoint, [403, 'ERR_FORBIDDEN']]);
    expect(JSON.stringify(await rawDocs())).toBe(before);
  });

  it("answers another company's connection id as unknown on every endpoint, and leaves it as it was", async () => {
    const [own] = (await call('identity_providers.get_all', 'admin')).body.data.connections;
    const before = JSON.stringify(await rawDocs());
    const attempts: [string, object][] = [
      ['identity_providers.get_by_id', { id: own.id }],
      ['identity_providers.update', { id: own.id, display_name: 'Taken over' }],
      ['identity_providers.set_active', { id: own.id, active: true }],
      ['identity_providers.delete', { id: own.id }],
    ];
    for (const [endpoint, body] of attempts)
      expect([endpoint, codeOf(await call(endpoint, 'otherAdmin', body))]).toEqual([endpoint, [404, 'ERR_IDP_CONNECTION_UNKNOWN']]);
    expect(JSON.stringify(await rawDocs())).toBe(before);
    expect((await call('identity_providers.get_all', 'otherAdmin')).body.data.connections.map((c: { id: string }) => c.id)).not.toContain(own.id);
  });

  it('checks each endpoint body: unknown fields, wrong types, fields of the other protocol, missing requirements', async () => {
    const cases: [string, object, string][] = [
      ['identity_providers.create', oidcInput({ display_name: 'X1', surprise: 1 }), 'surprise'],
      ['identity_providers.create', oidcInput({ display_name: 'X2', code_challenge_method: 'md5' }), 'code_challenge_method'],
      ['identity_providers.create', oidcInput({ display_name: 'X3', user_info_from_id_token: false }), 'userinfo_endpoint'],
      ['identity_providers.create', oidcInput({ display_name: 'X4', jwks_uri: undefined }), 'jwks_uri'],
      ['identity_providers.create', oidcInput({ display_name: 'X5', private_key: spKeys.key }), 'private_key'],
      ['identity_providers.create', oidcInput({ display_name: 'X6', client_secret: undefined }), 'client_secret'],
      ['identity_providers.create', oidcInput({ display_name: 'X7', web_app_url: 'javascript:alert(1)' }), 'web_app_url'],
      ['identity_providers.create', oidcInput({ display_name: 'X8', provider: 'duo' }), 'provider'],
      ['identity_providers.set_active', { id: 'x', active: 'yes' }, 'active'],
      ['identity_providers.get_by_id', { id: 'x', extra: true }, '(body)'],
    ];
    const before = (await rawDocs()).length;
    for (const [endpoint, body, field] of cases) {
      const res = await call(endpoint, 'admin', body);
      expect([field, codeOf(res)]).toEqual([field, [400, 'ERR_IDP_FIELD_INVALID']]);
      expect([field, res.body.meta.result_msg]).toEqual([field, expect.stringContaining(field === '(body)' ? 'extra' : field)]);
    }
    expect((await rawDocs()).length).toBe(before);
  });

  it('creates a SAML connection from IdP metadata with a request-signing key pair; bad metadata or a mismatched pair saves nothing', async () => {
    const saml = (overrides: Record<string, unknown>) => ({
      protocol: 'saml',
      provider: 'microsoft_ad',
      web_app_url: WEB,
      display_name: 'ADFS',
      entity_id: `${WEB}/saml`,
      idp_metadata: idpMetadataXml({ signingCerts: [idpCert.cert] }),
      sign_requests: { enabled: true, public_key: spKeys.cert },
      private_key: secret(spKeys.key),
      ...overrides,
    });
    const before = (await rawDocs()).length;
    const refusals: [Record<string, unknown>, string][] = [
      [{ idp_metadata: '<md:EntityDescriptor' }, 'ERR_SAML_METADATA_INVALID'],
      [
        { idp_metadata: idpMetadataXml({ prolog: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', signingCerts: [idpCert.cert] }) },
        'ERR_SAML_METADATA_DOCTYPE',
      ],
      [{ idp_metadata: idpMetadataXml() }, 'ERR_SAML_METADATA_NO_CERT'],
      [{ idp_metadata: idpMetadataXml({ signingCerts: [pki.leaf('old', { fromDays: -10, toDays: -1 }).cert] }) }, 'ERR_SAML_METADATA_CERT_EXPIRED'],
      [{ private_key: otherKeys.key }, 'ERR_IDP_KEY_PAIR'],
      [{ idp_metadata: undefined }, 'ERR_IDP_FIELD_INVALID'],
      [{ client_secret: 'x' }, 'ERR_IDP_FIELD_INVALID'],
    ];
    for (const [overrides, code] of refusals)
      expect([overrides, codeOf(await call('identity_providers.create', 'admin', saml(overrides)))]).toEqual([overrides, [400, code]]);
    expect((await rawDocs()).length).toBe(before);

    const res = await call('identity_providers.create', 'admin', saml({}));
    expect(res.status).toBe(200);
    const c = res.body.data.connection;
    expect(c).toMatchObject({
      protocol: 'saml',
      require_signed_assertions: true,
      private_key_set: true,
      idp: { entity_id: 'https://idp.test/realms/warden', sso_binding: 'redirect' },
    });
    expect(c.acs_url).toBe(`${WEB}/sso/${c.id}/acs`);
    expect(c.claims.email).toBe('http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress');
    // Turning signing on again later reuses the stored key, still checked against the certificate.
    const wrongCert = await call('identity_providers.update', 'admin', { id: c.id, sign_requests: { public_key: otherKeys.cert } });
    expect(codeOf(wrongCert)).toEqual([400, 'ERR_IDP_KEY_PAIR']);
  });

  it('keeps secrets sealed at rest, bound to their connection, and keeps them on an update that omits them', async () => {
    const docs = await rawDocs();
    const stored = JSON.stringify(docs);
    for (const value of written) expect(stored).not.toContain(value.slice(20, 60));
    const oidc = docs.find((d) => d['display_name'] === 'Corporate Okta' && d['company'] === companyA)!;
    const renamed = await call('identity_providers.update', 'admin', { id: oidc._id, display_name: 'Corporate Okta EU' });
    expect(renamed.body.data.connection).toMatchObject({ display_name: 'Corporate Okta EU', client_secret_set: true });
    const after = (await rawDocs()).find((d) => d._id === oidc._id)!;
    expect(after['sealed_secret']).toBe(oidc['sealed_secret']);
    const rotated = await call('identity_providers.update', 'admin', { id: oidc._id, client_secret: secret(`rotated-${generateSecret()}`) });
    expect(rotated.status).toBe(200);
    expect((await rawDocs()).find((d) => d._id === oidc._id)!['sealed_secret']).not.toBe(oidc['sealed_secret']);
  });

  it('sets a connection active and inactive, deletes it, and audits every change with its outcome', async () => {
    const created = (await call('identity_providers.create', 'admin', oidcInput({ display_name: 'Short-lived' }))).body.data.connection;
    expect((await call('identity_providers.set_active', 'admin', { id: created.id, active: true })).body.data.connection.active).toBe(true);
    expect((await call('identity_providers.get_by_id', 'admin', { id: created.id })).body.data.connection.active).toBe(true);
    expect((await call('identity_providers.set_active', 'admin', { id: created.id, active: false })).body.data.connection.active).toBe(false);
    expect((await call('identity_providers.delete', 'admin', { id: created.id })).body.data).toEqual({ deleted: 1 });
    expect(codeOf(await call('identity_providers.get_by_id', 'admin', { id: created.id }))).toEqual([404, 'ERR_IDP_CONNECTION_UNKNOWN']);

    const types = ['idp.create', 'idp.update', 'idp.delete', 'idp.activate'];
    const actor = { user: await adminId(), company: companyA };
    const deadline = Date.now() + 5000;
    let entries: AuditEntry[] = [];
    while (Date.now() < deadline) {
      entries = (await h.gateway.gateway.admin.audit(actor, { types, limit: 200 })).events;
      if (entries.some((e) => e.type === 'idp.delete' && e.detail?.startsWith(created.id))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const about = entries.filter((e) => e.detail?.startsWith(created.id));
    expect(about.map((e) => `${e.type} ${e.outcome}`).sort()).toEqual([
      'idp.activate success',
      'idp.activate success',
      'idp.create success',
      'idp.delete success',
    ]);
    expect(entries.some((e) => e.type === 'idp.create' && e.outcome === 'failure' && e.reason === 'ERR_IDP_NAME_TAKEN')).toBe(true);
    expect(entries.some((e) => e.outcome === 'failure' && e.reason === 'ERR_FORBIDDEN')).toBe(true);
  });

  it('never answers or logs a client secret or a private key (every response body of this spec scanned)', () => {
    expect(written.length).toBeGreaterThan(3);
    expect(bodies.length).toBeGreaterThan(30);
    const everything = bodies.join('\n') + h.gateway.logs.text;
    const pemBody = (v: string) => v.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    for (const value of written) {
      expect(everything).not.toContain(value);
      expect(everything.replace(/\\n|\s/g, '')).not.toContain(pemBody(value).slice(0, 40));
    }
  });

  async function adminId(): Promise<string> {
    const me = await call('users.get_current_user', 'admin');
    return me.body.data.user.id as string;
  }
});
