import { randomBytes } from 'node:crypto';
import { createClient, type RedisClientType } from 'redis';
import { parseIdpMetadata } from '../connections/idp-metadata';
import { TestSamlIdp, encodeResponse, type TestAssertion } from '../testing';
import { MAX_SAML_RESPONSE_CHARS, SamlServiceProvider } from './saml-service-provider';

// Integration tier: the SAML service provider of one connection against an in-process IdP that
// signs with its own key, request ids and replays in the real Redis under this spec's prefix.
jest.setTimeout(30_000);
const PREFIX = `warden-test-saml-sp-${process.pid}-${randomBytes(4).toString('hex')}`;
const ACS = 'https://warden.example.test/sso/0123456789abcdef0123456789abcdef/acs';
const SP_ENTITY = 'https://warden.example.test/saml';

const idp = new TestSamlIdp();
let redis: RedisClientType;
const sp = (requireSignedAssertions = true) =>
  new SamlServiceProvider(
    {
      id: '0123456789abcdef0123456789abcdef',
      acsUrl: ACS,
      idp: parseIdpMetadata(idp.metadata()),
      config: {
        web_app_url: 'https://warden.example.test',
        display_name: 'Test IdP',
        entity_id: SP_ENTITY,
        require_signed_assertions: requireSignedAssertions,
        sign_requests: { enabled: false },
        claims: { user_id: 'nameID', email: 'email', name: 'name' },
        group_sync: { enabled: true, claim: 'groups' },
      },
    },
    redis,
    PREFIX,
  );

/** A sign-in this SP started: the assertion fields an honest IdP would answer it with. */
async function started(provider = sp()): Promise<TestAssertion> {
  const url = await provider.loginUrl('relay');
  return {
    inResponseTo: TestSamlIdp.requestIdOf(url),
    recipient: ACS,
    audience: SP_ENTITY,
    attributes: { email: ['alice@example.test'], groups: ['ml', 'ops'] },
  };
}

const codeOf = async (provider: SamlServiceProvider, body: unknown) => {
  try {
    await provider.verify(body);
    return 'accepted';
  } catch (error) {
    return (error as { code?: string }).code ?? `not a WardenError: ${String(error)}`;
  }
};

beforeAll(async () => {
  redis = createClient({ socket: { host: '127.0.0.1', port: 6379 } });
  await redis.connect();
});
afterAll(async () => {
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(keys);
  await redis.quit();
});

describe('SAML service provider', () => {
  it('starts a sign-in at the IdP and accepts its signed answer once, with NameID and attributes', async () => {
    const provider = sp();
    const url = await provider.loginUrl('relay');
    expect(url.startsWith(`${idp.ssoUrl}?SAMLRequest=`)).toBe(true);
    const a = { ...(await started(provider)) };
    const claims = await provider.verify({ SAMLResponse: encodeResponse(idp.response(a)) });
    expect(claims).toEqual({
      issuer: idp.entityId,
      inResponseTo: a.inResponseTo,
      nameID: 'alice',
      attributes: { email: 'alice@example.test', groups: ['ml', 'ops'] },
    });
  });

  it('publishes SP metadata naming its entity id and ACS URL', () => {
    const xml = sp().metadata();
    expect(xml).toContain(`entityID="${SP_ENTITY}"`);
    expect(xml).toContain(`Location="${ACS}"`);
  });

  it('accepts a signed response with an unsigned assertion only when signed assertions are not required', async () => {
    const relaxed = sp(false);
    const a = await started(relaxed);
    expect(await codeOf(relaxed, { SAMLResponse: encodeResponse(idp.response(a, { assertion: false, response: true })) })).toBe('accepted');
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
  it.each(xsw)('refuses %s', async (_name, bend, code) => {
    const provider = sp();
    expect(await codeOf(provider, bend(await started(provider)))).toBe(code);
  });

  it.each(rows)('refuses %s with its own code', async (_name, bend, code) => {
    const provider = sp();
    expect(await codeOf(provider, await bend(await started(provider)))).toBe(code);
  });

  it('refuses a replayed response; a request stays valid on every instance of its connection (replicas)', async () => {
    const provider = sp();
    const a = await started(provider);
    const body = { SAMLResponse: encodeResponse(idp.response(a)) };
    expect(await codeOf(provider, body)).toBe('accepted');
    expect(await codeOf(provider, body)).toBe('ERR_SAML_REPLAYED');
    expect(await codeOf(sp(), { SAMLResponse: encodeResponse(idp.response(await started(provider))) })).toBe('accepted');
  });

  it('accepts each of two copies of one response posted at once only once', async () => {
    const provider = sp();
    const body = { SAMLResponse: encodeResponse(idp.response(await started(provider))) };
    const results = await Promise.all([codeOf(provider, body), codeOf(provider, body), codeOf(provider, body)]);
    expect(results.filter((r) => r === 'accepted')).toHaveLength(1);
    expect(results.filter((r) => r === 'ERR_SAML_REPLAYED')).toHaveLength(2);
  });
});
