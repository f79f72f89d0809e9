export { TestProvider, type IdTokenTamper, type TestUser } from './test-provider';
export { TestBrowser, loginError, providerSettingsFor, startSsoHarness, type BrowserAnswer, type HarnessProvider, type SsoHarness } from './sso-harness';
