import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { SAML, ValidateInResponseTo, type Profile } from '@node-saml/passport-saml';
import type { RedisClientType } from 'redis';
import { WardenError } from '@warden/errors';
import type { SamlConfig } from '../connections/connection-fields';
import type { IdpMetadata } from '../connections/idp-metadata';
import { REQUEST_TTL_SEC, SamlRequestIds } from './saml-request-ids';
import { samlRefusal } from './saml-errors';
import { checkResponseShape } from './saml-structure';

/** A base64 SAMLResponse larger than this is refused before it is decoded (IdP answers are a few KiB). */
export const MAX_SAML_RESPONSE_CHARS = 128 * 1024;
const CLOCK_SKEW_MS = 30_000;

/** One SAML connection as the service provider sees it. */
export interface SamlConnection {
  id: string;
  config: SamlConfig;
  idp: IdpMetadata;
  acsUrl: string;
  /** The request-signing key, when sign_requests is on. */
  privateKey?: string;
}

/** What a verified assertion says: NameID and attributes, by the names the claims mapping uses. */
export interface SamlClaims {
  issuer: string;
  /** The AuthnRequest the response answers (claimed: no other response answers it again). */
  inResponseTo: string;
  nameID: string;
  attributes: Record<string, unknown>;
}

/** The ID of the AuthnRequest inside an HTTP-Redirect binding URL (deflated, base64). */
export function authnRequestIdOf(loginUrl: string): string {
  const request = inflateRawSync(Buffer.from(new URL(loginUrl).searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  const id = /\sID="([^"]+)"/.exec(request)?.[1];
  if (!id) throw new Error('the AuthnRequest carries no ID');
  return id;
}

type XmlNode = { $?: Record<string, string>; [child: string]: unknown };
const first = (node: unknown, name: string): XmlNode | undefined => ((node as Record<string, XmlNode[] | undefined>)?.[name] ?? [])[0];

/**
 * The SAML service provider of one connection, on node-saml (through passport-saml): SP-initiated
 * login with the request id kept in Redis, signatures required (assertions, or the whole response
 * when the admin turned signed assertions off: never neither), InResponseTo, audience and
 * validity checked by node-saml; issuer, recipient and single use of the request (no replay) here.
 */
export class SamlServiceProvider {
  private readonly saml: SAML;
  private readonly requests: SamlRequestIds;

  constructor(
    private readonly connection: SamlConnection,
    redis: RedisClientType,
    prefix: string,
  ) {
    const { config, idp } = connection;
    this.requests = new SamlRequestIds(redis, prefix, connection.id);
    this.saml = new SAML({
      callbackUrl: connection.acsUrl,
      entryPoint: idp.sso_url,
      issuer: config.entity_id,
      audience: config.entity_id,
      idpIssuer: idp.entity_id,
      idpCert: idp.signing_certs,
      wantAssertionsSigned: config.require_signed_assertions,
      wantAuthnResponseSigned: !config.require_signed_assertions,
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: REQUEST_TTL_SEC * 1000,
      cacheProvider: this.requests,
      acceptedClockSkewMs: CLOCK_SKEW_MS,
      identifierFormat: null,
      disableRequestedAuthnContext: true,
      generateUniqueId: () => `_${randomBytes(20).toString('hex')}`,
      ...(config.sign_requests.enabled && connection.privateKey ? { privateKey: connection.privateKey, signatureAlgorithm: 'sha256' as const } : {}),
    });
  }

  /** Where to send the browser: the IdP's SSO URL with a (signed, when configured) AuthnRequest. */
  loginUrl(relayState: string): Promise<string> {
    return this.saml.getAuthorizeUrlAsync(relayState, undefined, {});
  }

  /** The redirect and the id of the AuthnRequest in it, which the sign-in's state remembers. */
  async loginRequest(relayState: string): Promise<{ url: string; requestId: string }> {
    const url = await this.loginUrl(relayState);
    return { url, requestId: authnRequestIdOf(url) };
  }

  metadata(): string {
    return this.saml.generateServiceProviderMetadata(null, this.connection.config.sign_requests.public_key ?? null);
  }

  /** The ACS's check of a posted SAMLResponse; every refusal a WardenError with its own code. */
  async verify(body: unknown): Promise<SamlClaims> {
    const encoded = (body as Record<string, unknown> | undefined)?.['SAMLResponse'];
    if (typeof encoded !== 'string' || !encoded) throw new WardenError('ERR_SAML_RESPONSE_MISSING');
    if (encoded.length > MAX_SAML_RESPONSE_CHARS) throw new WardenError('ERR_SAML_RESPONSE_TOO_LARGE');
    const xml = Buffer.from(encoded, 'base64').toString('utf8');
    const { unsignedAssertion } = checkResponseShape(xml);
    let profile: Profile | null;
    try {
      ({ profile } = await this.saml.validatePostResponseAsync({ SAMLResponse: encoded }));
    } catch (error) {
      const refusal = samlRefusal(error);
      // Said apart for the admin: an IdP that signs only the response, where assertions must be signed.
      if (refusal.code === 'ERR_SAML_SIGNATURE' && this.connection.config.require_signed_assertions && unsignedAssertion) {
        throw new WardenError('ERR_SAML_UNSIGNED');
      }
      throw refusal;
    }
    if (!profile?.getAssertion) throw new WardenError('ERR_SAML_RESPONSE_INVALID', 'the SAML message is not a sign-in response');
    return this.afterValidation(profile);
  }

  /** Checks node-saml leaves to the SP, on the assertion it verified (not on the raw document). */
  private async afterValidation(profile: Profile): Promise<SamlClaims> {
    // xml2js's tree of the assertion node-saml verified: the root element, then arrays of children.
    const assertion = profile.getAssertion!()['Assertion'] as XmlNode | undefined;
    // node-saml 5 compares idpIssuer on logout messages only: the assertion's issuer is checked here.
    if (profile.issuer !== this.connection.idp.entity_id) throw new WardenError('ERR_SAML_ISSUER');
    const confirmation = first(first(assertion, 'Subject'), 'SubjectConfirmation');
    const recipient = first(confirmation, 'SubjectConfirmationData')?.$?.['Recipient'];
    if (recipient !== this.connection.acsUrl) throw new WardenError('ERR_SAML_RECIPIENT');
    const inResponseTo = typeof profile['inResponseTo'] === 'string' ? profile['inResponseTo'] : undefined;
    // The request id is signed into the response and its assertion (node-saml checks both match), so
    // claiming it once refuses every replay of the assertion, concurrent copies included.
    if (!inResponseTo || !(await this.requests.claim(inResponseTo))) throw new WardenError('ERR_SAML_REPLAYED');
    return { issuer: profile.issuer, inResponseTo, nameID: profile.nameID, attributes: (profile['attributes'] as Record<string, unknown> | undefined) ?? {} };
  }
}
