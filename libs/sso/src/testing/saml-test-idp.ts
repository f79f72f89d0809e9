import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignedXml } from 'xml-crypto';
import { authnRequestIdOf } from '../saml/saml-service-provider';
import { idpMetadataXml } from './idp-metadata-xml';

export interface TestAssertion {
  inResponseTo?: string;
  recipient: string;
  audience: string;
  nameID?: string;
  attributes?: Record<string, string[]>;
  /** Validity relative to now, in seconds. */
  notBeforeSec?: number;
  notOnOrAfterSec?: number;
  issuer?: string;
}

export interface SignOptions {
  assertion?: boolean;
  response?: boolean;
}

const iso = (offsetSec: number) => new Date(Date.now() + offsetSec * 1000).toISOString();
const id = () => `_${randomBytes(16).toString('hex')}`;
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
const C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';

/**
 * An identity provider the SAML tests control: its own RSA key and certificate (made with openssl
 * at run time, nothing committed), metadata, and signed responses built as IdPs build them, so the
 * hostile rows can bend any part after or before signing.
 */
export class TestSamlIdp {
  readonly entityId = 'https://idp.saml.test/metadata';
  readonly ssoUrl = 'https://idp.saml.test/sso';
  readonly key: string;
  readonly cert: string;

  constructor() {
    const dir = mkdtempSync(join(tmpdir(), 'warden-saml-idp-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'k.pem'),
          '-out',
          join(dir, 'c.pem'),
          '-days',
          '2',
          '-subj',
          '/CN=idp.saml.test',
        ],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      this.key = readFileSync(join(dir, 'k.pem'), 'utf8');
      this.cert = readFileSync(join(dir, 'c.pem'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  metadata(): string {
    return idpMetadataXml({ entityId: this.entityId, ssoUrl: this.ssoUrl, signingCerts: [this.cert] });
  }

  /** The AuthnRequest ID inside an SP's redirect to this IdP. */
  static requestIdOf(loginUrl: string): string {
    return authnRequestIdOf(loginUrl);
  }

  assertionXml(a: TestAssertion): string {
    const attributes = Object.entries(a.attributes ?? {})
      .map(
        ([name, values]) =>
          `<saml:Attribute Name="${escape(name)}">${values.map((v) => `<saml:AttributeValue>${escape(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`,
      )
      .join('');
    const until = iso(a.notOnOrAfterSec ?? 300);
    const irt = a.inResponseTo ? ` InResponseTo="${a.inResponseTo}"` : '';
    return (
      `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id()}" Version="2.0" IssueInstant="${iso(0)}">` +
      `<saml:Issuer>${a.issuer ?? this.entityId}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">${a.nameID ?? 'alice'}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${irt} NotOnOrAfter="${until}" Recipient="${a.recipient}"/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${iso(a.notBeforeSec ?? -60)}" NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>${a.audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${iso(0)}" SessionIndex="${id()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
      `</saml:Assertion>`
    );
  }

  /** Enveloped RSA-SHA256 signature of the element `local` (the first of its kind) placed after its Issuer. */
  sign(xml: string, local: 'Assertion' | 'Response'): string {
    const sig = new SignedXml({
      privateKey: this.key,
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      canonicalizationAlgorithm: C14N,
    });
    sig.addReference({
      xpath: `(//*[local-name(.)='${local}'])[1]`,
      transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', C14N],
      digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    });
    sig.computeSignature(xml, { location: { reference: `(//*[local-name(.)='${local}'])[1]/*[local-name(.)='Issuer']`, action: 'after' } });
    return sig.getSignedXml();
  }

  responseXml(assertionXml: string, a: Pick<TestAssertion, 'inResponseTo' | 'recipient' | 'issuer'>, signResponse = false): string {
    const irt = a.inResponseTo ? ` InResponseTo="${a.inResponseTo}"` : '';
    const xml =
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="${id()}" Version="2.0" IssueInstant="${iso(0)}" Destination="${a.recipient}"${irt}>` +
      `<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${a.issuer ?? this.entityId}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
      assertionXml +
      `</samlp:Response>`;
    return signResponse ? this.sign(xml, 'Response') : xml;
  }

  /** A response as a well-behaved IdP sends it: assertion signed (and the response, if asked). */
  response(a: TestAssertion, sign: SignOptions = { assertion: true }): string {
    const assertion = this.assertionXml(a);
    return this.responseXml(sign.assertion === false ? assertion : this.sign(assertion, 'Assertion'), a, sign.response);
  }
}

export const encodeResponse = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');
