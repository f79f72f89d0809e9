export {
  MIN_CLIENT_SECRET_LENGTH,
  providerSchema,
  providerSecretsSchema,
  providerSettings,
  ssoSecureLoginSchema,
  ssoServicesSchema,
  type ProviderConfig,
  type ProviderSecrets,
  type ProviderSettings,
} from './sso-settings';
export { ssoExtension, type SsoExtensionOptions } from './sso-extension';
export type { SsoProviderEntry, SsoService } from './sso-service';
export { BINDING_COOKIE } from './sso-browser';
