export { TestProvider, type IdTokenTamper, type TestUser } from './test-provider';
export {
  TestBrowser,
  loginError,
  providerSettingsFor,
  startSsoHarness,
  waitForDiscovery,
  type BrowserAnswer,
  type HarnessProvider,
  type SsoHarness,
} from './sso-harness';
export { ProviderSet } from './provider-set';
export { idpMetadataXml, type MetadataXmlOptions } from './idp-metadata-xml';
export { TestSamlIdp, encodeResponse, type SignOptions, type TestAssertion } from './saml-test-idp';
export { postToAcs, startSaml, type AcsAnswer, type SamlStart } from './connection-browser';
export { callEndpoint, ssoButtons, userToken } from './gateway-api';
