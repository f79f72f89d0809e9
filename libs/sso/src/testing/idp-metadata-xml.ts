const pemBody = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');

export interface MetadataXmlOptions {
  entityId?: string;
  ssoUrl?: string;
  /** PEM certificates published for signing (none: a metadata file without a signing key). */
  signingCerts?: string[];
  /** Written before the root element (a DOCTYPE, for the XXE cases). */
  prolog?: string;
}

/** An IdP's SAML metadata as Keycloak and most IdPs publish it. */
export function idpMetadataXml(options: MetadataXmlOptions = {}): string {
  const keys = (options.signingCerts ?? [])
    .map(
      (pem) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${pemBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>${options.prolog ?? ''}
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${options.entityId ?? 'https://idp.test/realms/warden'}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="false">
    ${keys}
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${options.ssoUrl ?? 'https://idp.test/realms/warden/protocol/saml'}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}
