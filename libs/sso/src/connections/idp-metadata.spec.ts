import { TestPki, type Issued } from '@warden/tls/testing';
import { idpMetadataXml } from '../testing';
import { MAX_METADATA_BYTES, parseIdpMetadata } from './idp-metadata';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? `not a WardenError: ${String(error)}`;
  }
};

describe('IdP metadata upload', () => {
  let pki: TestPki;
  let current: Issued;
  let expired: Issued;
  let future: Issued;

  beforeAll(() => {
    pki = new TestPki('Metadata');
    current = pki.leaf('current', { dns: ['idp.test'] });
    expired = pki.leaf('expired', { dns: ['idp.test'], fromDays: -30, toDays: -1 });
    future = pki.leaf('future', { dns: ['idp.test'], fromDays: 2, toDays: 30 });
  });
  afterAll(() => pki.cleanup());

  it('reads the entity id, the SSO service and the signing certificates of a good file', () => {
    const parsed = parseIdpMetadata(idpMetadataXml({ signingCerts: [current.cert] }));
    expect(parsed).toMatchObject({
      entity_id: 'https://idp.test/realms/warden',
      sso_url: 'https://idp.test/realms/warden/protocol/saml',
      sso_binding: 'redirect',
    });
    expect(parsed.signing_certs).toEqual([current.cert.replace(/\r/g, '')]);
    expect(parsed.certs_valid_until.getTime()).toBeGreaterThan(Date.now());
  });

  it.each([
    ['bad XML', () => '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><oops></md:EntityDescriptor>', 'ERR_SAML_METADATA_INVALID'],
    ['not XML at all', () => 'just some text', 'ERR_SAML_METADATA_INVALID'],
    ['another root element', () => '<x:Other xmlns:x="urn:x"/>', 'ERR_SAML_METADATA_INVALID'],
    [
      'an external entity (XXE)',
      () => idpMetadataXml({ prolog: '<!DOCTYPE md [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', entityId: '&xxe;', signingCerts: [current.cert] }),
      'ERR_SAML_METADATA_DOCTYPE',
    ],
    [
      'entity expansion (billion laughs)',
      () => idpMetadataXml({ prolog: '<!DOCTYPE md [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>', signingCerts: [current.cert] }),
      'ERR_SAML_METADATA_DOCTYPE',
    ],
    [
      'a lower-case doctype',
      () => idpMetadataXml({ prolog: '<!doctype md SYSTEM "http://attacker.test/x.dtd">', signingCerts: [current.cert] }),
      'ERR_SAML_METADATA_DOCTYPE',
    ],
    ['no signing certificate', () => idpMetadataXml(), 'ERR_SAML_METADATA_NO_CERT'],
    ['an expired certificate', () => idpMetadataXml({ signingCerts: [current.cert, expired.cert] }), 'ERR_SAML_METADATA_CERT_EXPIRED'],
    ['a certificate not valid yet', () => idpMetadataXml({ signingCerts: [future.cert] }), 'ERR_SAML_METADATA_CERT_EXPIRED'],
    [
      'a certificate that is not X.509',
      () => idpMetadataXml({ signingCerts: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'] }),
      'ERR_SAML_METADATA_INVALID',
    ],
    ['an SSO service that is not http(s)', () => idpMetadataXml({ ssoUrl: 'javascript:alert(1)', signingCerts: [current.cert] }), 'ERR_SAML_METADATA_INVALID'],
    [
      'a file over the size limit',
      () => idpMetadataXml({ signingCerts: [current.cert] }).replace('<md:IDPSSO', `<!--${'x'.repeat(MAX_METADATA_BYTES)}--><md:IDPSSO`),
      'ERR_SAML_METADATA_TOO_LARGE',
    ],
  ])('refuses %s with its own code', (_case, xml, code) => {
    expect(codeOf(() => parseIdpMetadata(xml()))).toBe(code);
  });
});
