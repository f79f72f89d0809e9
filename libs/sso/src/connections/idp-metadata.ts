import { X509Certificate } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { WardenError } from '@warden/errors';

/** What the SP needs from an IdP's metadata: who it is, where to send users, which keys sign. */
export interface IdpMetadata {
  entity_id: string;
  sso_url: string;
  sso_binding: 'redirect' | 'post';
  /** PEM certificates of the signing keys. */
  signing_certs: string[];
  /** The earliest expiry among them (shown to admins before it bites). */
  certs_valid_until: Date;
}

export const MAX_METADATA_BYTES = 256 * 1024;
const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const BINDINGS: Record<string, IdpMetadata['sso_binding']> = {
  'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect': 'redirect',
  'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST': 'post',
};

const invalid = (why: string) => new WardenError('ERR_SAML_METADATA_INVALID', `the IdP metadata file is not usable: ${why}`);

function parse(xml: string): Element {
  let problem: string | undefined;
  // xmldom reports and goes on; a metadata file with any error is refused whole.
  const errorHandler = (level: string, message: unknown) => {
    if (level !== 'warning') problem ??= String(message);
  };
  let doc: Document | undefined;
  try {
    doc = new DOMParser({ errorHandler }).parseFromString(xml, 'text/xml');
  } catch (error) {
    problem ??= error instanceof Error ? error.message : 'unreadable';
  }
  if (problem || !doc?.documentElement) throw invalid(`bad XML (${(problem ?? 'no root element').split('\n')[0].slice(0, 200)})`);
  return doc.documentElement;
}

const children = (parent: Element, ns: string, name: string): Element[] => Array.from(parent.getElementsByTagNameNS(ns, name) as unknown as ArrayLike<Element>);

function certificate(text: string): string {
  const body = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+=*$/.test(body)) throw invalid('a signing certificate is not base64');
  const pem = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw invalid('a signing certificate does not parse as X.509');
  }
  const now = Date.now();
  if (new Date(cert.validTo).getTime() < now || new Date(cert.validFrom).getTime() > now) {
    throw new WardenError(
      'ERR_SAML_METADATA_CERT_EXPIRED',
      `the IdP's signing certificate ${cert.subject.replace(/\n/g, ', ')} is valid from ${cert.validFrom} to ${cert.validTo}: download fresh metadata from the IdP`,
    );
  }
  return pem;
}

/**
 * Reads an uploaded IdP metadata file, refusing before anything is saved: too large, any DOCTYPE
 * (entities are the XXE and billion-laughs vector, and metadata never needs one), bad XML, no IdP
 * descriptor or SSO service, no signing certificate, or a certificate outside its validity.
 */
export function parseIdpMetadata(xml: string): IdpMetadata {
  if (Buffer.byteLength(xml, 'utf8') > MAX_METADATA_BYTES)
    throw new WardenError('ERR_SAML_METADATA_TOO_LARGE', `the IdP metadata file is larger than ${MAX_METADATA_BYTES / 1024} KiB`);
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new WardenError('ERR_SAML_METADATA_DOCTYPE');
  const root = parse(xml);
  if (root.namespaceURI !== MD || root.localName !== 'EntityDescriptor') throw invalid('its root is not an md:EntityDescriptor');
  const entityId = root.getAttribute('entityID');
  if (!entityId) throw invalid('the EntityDescriptor has no entityID');
  const [idp, ...more] = children(root, MD, 'IDPSSODescriptor');
  if (!idp || more.length) throw invalid('it needs exactly one IDPSSODescriptor');
  const service = children(idp, MD, 'SingleSignOnService').find((s) => BINDINGS[s.getAttribute('Binding') ?? '']);
  const location = service?.getAttribute('Location') ?? '';
  if (!service || !/^https?:\/\/[^\s]+$/.test(location))
    throw invalid('it has no SingleSignOnService with an HTTP-Redirect or HTTP-POST binding and an http(s) Location');
  const signing = children(idp, MD, 'KeyDescriptor').filter((k) => (k.getAttribute('use') || 'signing') === 'signing');
  const certTexts = signing.flatMap((k) => children(k, DS, 'X509Certificate').map((c) => c.textContent ?? ''));
  if (certTexts.length === 0) throw new WardenError('ERR_SAML_METADATA_NO_CERT');
  const certs = certTexts.map(certificate);
  const validUntil = Math.min(...certs.map((pem) => new Date(new X509Certificate(pem).validTo).getTime()));
  return {
    entity_id: entityId,
    sso_url: location,
    sso_binding: BINDINGS[service.getAttribute('Binding')!],
    signing_certs: certs,
    certs_valid_until: new Date(validUntil),
  };
}
