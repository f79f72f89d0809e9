import { IdentityStore } from '@warden/identity';
import {
  TestBrowser,
  TestSamlIdp,
  callEndpoint,
  encodeResponse,
  postToAcs,
  startSaml,
  startSsoHarness,
  userToken,
  type SsoHarness,
  type TestAssertion,
} from '../testing';
import { MAX_SAML_RESPONSE_CHARS } from './saml-service-provider';

// Integration tier: the hostile SAML table through the real ACS route of an in-process gateway
// (real Redis and MongoDB-wire server): each sign-in is started by a browser at /sso/<id>/login,
// the IdP of our own answers it, bent the way an attacker (or a broken IdP) would, and posted
// cross-site to /sso/<id>/acs; an accepted one is finished at /sso/<id>/finish in that browser.
jest.setTimeout(60_000);
const db = `warden_int_saml_acs_${process.pid}_${Date.now()}`;

const idp = new TestSamlIdp();
let h: SsoHarness;
let store: IdentityStore;
const ids = { strict: '', relaxed: '' };
const posted: string[] = [];
const entity = (id: string) => `${h.url}/saml/${id === ids.strict ? 'strict' : 'relaxed'}`;

/** A sign-in a browser started through the route, and the assertion an honest IdP would answer it with. */
interface Flow {
  browser: TestBrowser;
  id: string;
  relay: string;
  a: TestAssertion;
}

async function begin(id = ids.strict): Promise<Flow> {
  const browser = new TestBrowser(h.url);
  const start = await startSaml(browser, id);
  const a = {
    inResponseTo: start.requestId,
    recipient: `${h.url}/sso/${id}/acs`,
    audience: entity(id),
    attributes: { email: ['alice@example.test'], groups: ['ml', 'ops'] },
  };
  return { browser, id, relay: start.relay, a };
}

/** The form the IdP posts: each field (repeated for an array), and the flow's RelayState unless the row sets it. */
function formOf(flow: Flow, body: unknown): string {
  if (typeof body === 'string') return body;
  const fields = { RelayState: flow.relay, ...(body as Record<string, unknown>) };
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) for (const v of [value].flat()) if (v !== undefined) form.append(key, String(v));
  return form.toString();
}

const codeAt = (location: string) => (location.startsWith('/login?') ? new URLSearchParams(location.slice(7)).get('error') : null);

/** 'accepted' when the browser ends signed in; else the refusal's code; a 5xx is never a code. */
async function codeOf(flow: Flow, body: unknown): Promise<string> {
  const form = formOf(flow, body);
  posted.push(new URLSearchParams(form).get('SAMLResponse') ?? '');
  const acs = await postToAcs(h.url, flow.id, form);
  if (acs.status >= 500) return `HTTP ${acs.status}`;
  if (!acs.finish) return codeAt(acs.location) ?? `HTTP ${acs.status} without a code`;
  const done = await flow.browser.get(acs.finish);
  if (done.status >= 500) return `HTTP ${done.status}`;
  return codeAt(done.location) ?? (done.cookies['clearml_token_basic'] ? 'accepted' : `HTTP ${done.status} without a session`);
}

beforeAll(async () => {
  h = await startSsoHarness('saml-acs', db, []);
  store = new IdentityStore({ connection: h.gateway.backends.mongo!.connection, credentialPepper: h.secrets.tokenSecret });
  const company = (await store.ensureCompany({ name: `SAML ${db}` })).id;
  const admin = await userToken(h.url, store, company, `admin-${db}`, 'admin');
  for (const [key, strict] of [
    ['strict', true],
    ['relaxed', false],
  ] as const) {
    const { connection } = await callEndpoint<{ connection: { id: string } }>(h.url, admin, 'identity_providers.create', {
      protocol: 'saml',
      provider: 'custom',
      web_app_url: h.url,
      display_name: `SAML ${key}`,
      entity_id: `${h.url}/saml/${key}`,
      idp_metadata: idp.metadata(),
      require_signed_assertions: strict,
      group_sync: { enabled: true, claim: 'groups' },
    });
    ids[key] = connection.id;
    await callEndpoint(h.url, admin, 'identity_providers.set_active', { id: connection.id, active: true });
  }
}, 60_000);

afterAll(async () => {
  await store?.close();
  await h?.close();
});

describe('the SAML ACS route', () => {
  it("accepts the IdP's signed answer to a started sign-in", async () => {
    const flow = await begin();
    expect(flow.browser.cookies.get('warden_sso')).toBeDefined();
    expect(await codeOf(flow, { SAMLResponse: encodeResponse(idp.response(flow.a)) })).toBe('accepted');
  });

  it('accepts a signed response with an unsigned assertion only when signed assertions are not required', async () => {
    const flow = await begin(ids.relaxed);
    expect(await codeOf(flow, { SAMLResponse: encodeResponse(idp.response(flow.a, { assertion: false, response: true })) })).toBe('accepted');
  });

  // Each row: a response bent the way an attacker (or a broken IdP) would, and its own code.
  const rows: [string, (a: TestAssertion) => Promise<unknown> | unknown, string][] = [
    ['no SAMLResponse', () => ({}), 'ERR_SAML_RESPONSE_MISSING'],
    ['SAMLResponse not text', () => ({ SAMLResponse: ['a', 'b'] }), 'ERR_SAML_RESPONSE_MISSING'],
    ['an oversized response', () => ({ SAMLResponse: 'A'.repeat(MAX_SAML_RESPONSE_CHARS + 4) }), 'ERR_SAML_RESPONSE_TOO_LARGE'],
    ['not XML', () => ({ SAMLResponse: encodeResponse('hello') }), 'ERR_SAML_RESPONSE_INVALID'],
    [
      'a DOCTYPE with an external entity',
      (a) => ({ SAMLResponse: encodeResponse(`<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>${idp.response(a)}`) }),
      'ERR_SAML_RESPONSE_INVALID',
    ],
    ['an unsigned response and assertion', (a) => ({ SAMLResponse: encodeResponse(idp.response(a, { assertion: false })) }), 'ERR_SAML_UNSIGNED'],
    [
      'an unsigned assertion in a signed response',
      (a) => ({ SAMLResponse: encodeResponse(idp.response(a, { assertion: false, response: true })) }),
      'ERR_SAML_UNSIGNED',
    ],
    [
      'an attribute changed after signing',
      (a) => ({ SAMLResponse: encodeResponse(idp.response(a).replace('alice@example.test', 'admin@example.test')) }),
      'ERR_SAML_SIGNATURE',
    ],
    ['a NameID changed after signing', (a) => ({ SAMLResponse: encodeResponse(idp.response(a).replace('>alice<', '>admin<')) }), 'ERR_SAML_SIGNATURE'],
    ['signed by another key', (a) => ({ SAMLResponse: encodeResponse(new TestSamlIdp().response(a)) }), 'ERR_SAML_SIGNATURE'],
    [
      'an answer to a request never sent',
      (a) => ({ SAMLResponse: encodeResponse(idp.response({ ...a, inResponseTo: '_never-sent' })) }),
      'ERR_SAML_UNSOLICITED',
    ],
    [
      'an unsolicited response (no InResponseTo)',
      (a) => ({ SAMLResponse: encodeResponse(idp.response({ ...a, inResponseTo: undefined })) }),
      'ERR_SAML_UNSOLICITED',
    ],
    [
      'an assertion for another audience',
      (a) => ({ SAMLResponse: encodeResponse(idp.response({ ...a, audience: 'https://other-sp.test' })) }),
      'ERR_SAML_AUDIENCE',
    ],
    ['an expired assertion', (a) => ({ SAMLResponse: encodeResponse(idp.response({ ...a, notBeforeSec: -900, notOnOrAfterSec: -600 })) }), 'ERR_SAML_EXPIRED'],
    [
      'an assertion not valid yet',
      (a) => ({ SAMLResponse: encodeResponse(idp.response({ ...a, notBeforeSec: 600, notOnOrAfterSec: 900 })) }),
      'ERR_SAML_NOT_YET_VALID',
    ],
    [
      'an assertion for another recipient',
      (a) => ({ SAMLResponse: encodeResponse(idp.response({ ...a, recipient: 'https://evil.test/acs' })) }),
      'ERR_SAML_RECIPIENT',
    ],
    ['another issuer', (a) => ({ SAMLResponse: encodeResponse(idp.response({ ...a, issuer: 'https://evil.test/idp' })) }), 'ERR_SAML_ISSUER'],
  ];
  // XML signature wrapping: the signed assertion stays intact and verifies, an unsigned one is put
  // where a careless SP reads (the variants of the node-saml CVE-2025-54419/54369, ruby-saml
  // CVE-2024-45409/2025-25291, Dex/goxmldsig CVE-2020-15216 and xml-crypto CVE-2025-29775 advisories).
  const evil = (a: TestAssertion) => idp.assertionXml({ ...a, nameID: 'admin', attributes: { email: ['admin@example.test'], groups: ['admins'] } });
  const signed = (a: TestAssertion) => idp.sign(idp.assertionXml(a), 'Assertion');
  const wrapped = (a: TestAssertion, body: string) => ({ SAMLResponse: encodeResponse(idp.responseXml(body, a)) });
  const idOf = (xml: string) => /ID="([^"]+)"/.exec(xml)![1];
  const xsw: [string, (a: TestAssertion) => unknown, string][] = [
    ['XSW: an unsigned assertion before the signed one', (a) => wrapped(a, evil(a) + signed(a)), 'ERR_SAML_WRAPPING'],
    ['XSW: an unsigned assertion after the signed one', (a) => wrapped(a, signed(a) + evil(a)), 'ERR_SAML_WRAPPING'],
    [
      'XSW: the signed assertion wrapped inside the unsigned one (Advice)',
      (a) => wrapped(a, evil(a).replace('</saml:Assertion>', `<saml:Advice>${signed(a)}</saml:Advice></saml:Assertion>`)),
      'ERR_SAML_WRAPPING',
    ],
    ['XSW: the signed assertion hidden in Extensions', (a) => wrapped(a, `<samlp:Extensions>${signed(a)}</samlp:Extensions>${evil(a)}`), 'ERR_SAML_WRAPPING'],
    [
      "XSW: the signed assertion inside the unsigned one's Signature Object",
      (a) => {
        const good = signed(a);
        const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(good)?.[0] ?? /<Signature[\s\S]*<\/Signature>/.exec(good)![0];
        const withObject = signature.replace(/<\/(ds:)?Signature>$/, (end) => `<Object xmlns="http://www.w3.org/2000/09/xmldsig#">${good}</Object>${end}`);
        return wrapped(a, evil(a).replace(/(<saml:Issuer>[^<]*<\/saml:Issuer>)/, `$1${withObject}`));
      },
      'ERR_SAML_WRAPPING',
    ],
    [
      'XSW: an unsigned assertion with the same ID as the signed one, first',
      (a) => {
        const good = signed(a);
        return wrapped(a, evil(a).replace(/ID="[^"]+"/, `ID="${idOf(good)}"`) + good);
      },
      'ERR_SAML_WRAPPING',
    ],
    [
      'XSW: the signed response wrapped in a forged one',
      (a) => {
        const real = idp.response(a, { assertion: true, response: true });
        return {
          SAMLResponse: encodeResponse(
            idp.responseXml(evil(a), a).replace('</samlp:Response>', `<samlp:Extensions>${real}</samlp:Extensions></samlp:Response>`),
          ),
        };
      },
      'ERR_SAML_WRAPPING',
    ],
    [
      "XSW: another element carrying the signed assertion's ID",
      (a) => {
        const good = signed(a);
        return wrapped(a, `<samlp:Extensions><x:Note xmlns:x="urn:x" ID="${idOf(good)}"/></samlp:Extensions>${good}`);
      },
      'ERR_SAML_WRAPPING',
    ],
    [
      'a comment in DigestValue after the assertion changed (xml-crypto CVE-2025-29775)',
      (a) =>
        wrapped(
          a,
          signed(a)
            .replace('>alice<', '>admin<')
            .replace(/(<(ds:)?DigestValue>)/, '$1<!---->'),
        ),
      'ERR_SAML_COMMENT',
    ],
    [
      'a comment inside a signed NameID (Duo 2018 advisory)',
      (a) => wrapped(a, idp.sign(idp.assertionXml({ ...a, nameID: 'admin@example.test<!---->.evil.test' }), 'Assertion')),
      'ERR_SAML_COMMENT',
    ],
    [
      'a comment inside a signed attribute value',
      (a) => wrapped(a, idp.sign(idp.assertionXml(a).replace('>alice@example.test<', '>admin@example.test<!---->.evil<'), 'Assertion')),
      'ERR_SAML_COMMENT',
    ],
  ];
  // What only the route sees: the body before parsing, the RelayState, the flow's own request.
  const http: [string, (a: TestAssertion) => unknown, string][] = [
    // No SAMLResponse field: only the limit before parsing can call this too large.
    ['a body over the ACS limit, refused before parsing', () => `padding=${'A'.repeat(300 * 1024)}`, 'ERR_SAML_RESPONSE_TOO_LARGE'],
    [
      'too many form fields',
      (a) => `${Array.from({ length: 20 }, (_, i) => `f${i}=1`).join('&')}&SAMLResponse=${encodeURIComponent(encodeResponse(idp.response(a)))}`,
      'ERR_SAML_RESPONSE_INVALID',
    ],
    ['no RelayState', (a) => ({ SAMLResponse: encodeResponse(idp.response(a)), RelayState: '' }), 'ERR_SSO_STATE_MISSING'],
    [
      'a failure status without an assertion',
      (a) => ({
        SAMLResponse: encodeResponse(idp.sign(idp.responseXml('', a).replace('status:Success"/>', 'status:Responder"/>'), 'Response')),
      }),
      'ERR_SAML_STATUS',
    ],
  ];
  it.each(http)('refuses %s', async (_name, bend, code) => {
    const flow = await begin();
    expect(await codeOf(flow, bend(flow.a))).toBe(code);
  });

  it.each(xsw)('refuses %s', async (_name, bend, code) => {
    const flow = await begin();
    expect(await codeOf(flow, bend(flow.a))).toBe(code);
  });

  it.each(rows)('refuses %s with its own code', async (_name, bend, code) => {
    const flow = await begin();
    expect(await codeOf(flow, await bend(flow.a))).toBe(code);
  });

  it('refuses a replayed response; a request started on one replica is answered on any (state in Redis)', async () => {
    const flow = await begin();
    const body = { SAMLResponse: encodeResponse(idp.response(flow.a)) };
    expect(await codeOf(flow, body)).toBe('accepted');
    expect(await codeOf(await begin(), body)).toBe('ERR_SAML_REPLAYED');
  });

  it("refuses a response to another connection's request", async () => {
    const other = await begin(ids.relaxed);
    const flow = await begin();
    expect(await codeOf(flow, { SAMLResponse: encodeResponse(idp.response({ ...flow.a, inResponseTo: other.a.inResponseTo })) })).toBe('ERR_SAML_UNSOLICITED');
  });

  it('accepts each of three copies of one response posted at once only once', async () => {
    const flow = await begin();
    const form = formOf(flow, { SAMLResponse: encodeResponse(idp.response(flow.a)) });
    const answers = await Promise.all([1, 2, 3].map(() => postToAcs(h.url, flow.id, form)));
    expect(answers.filter((a) => a.finish)).toHaveLength(1);
    expect(answers.filter((a) => codeAt(a.location) === 'ERR_SAML_REPLAYED')).toHaveLength(2);
  });

  it('never logs a SAMLResponse, hostile or not, nor the IdP key', () => {
    const logs = h.gateway.logs.text;
    const responses = posted.filter((p) => p.length > 100);
    expect(responses.length).toBeGreaterThan(20);
    for (const response of responses) expect(logs).not.toContain(response.slice(0, 120));
    expect(logs).not.toContain(idp.key.split('\n')[1]);
  });
});
