export { AuthService, identityOf, type AuthServiceDeps, type IssuedLogin, type LoginAttempt } from './auth-service';
export {
  CLEARML_AUTH_DEFAULTS,
  GATEWAY_AUTH_DEFAULTS,
  clearmlAuthSchema,
  gatewayAuthSchema,
  webLoginEnabled,
  type ClearmlAuthSettings,
  type GatewayAuthSettings,
} from './auth-settings';
export { registerAuthEndpoints, type AuthEndpointOptions } from './auth-endpoints';
export { registerSessionEndpoints } from './session-endpoints';
export { registerPasswordEndpoints, type PasswordEndpointOptions } from './password-endpoints';
export { fixedUserPolicyWarnings } from './fixed-user-warnings';
export { gatewayAuthenticator, type GatewayCaller } from './gateway-authenticator';
export { MongoSigningKeyStore } from './mongo-signing-key-store';
export {
  DEFAULT_COMPANY,
  createGateway,
  type Gateway,
  type GatewayExtension,
  type GatewayOptions,
  type GatewayParts,
  type GatewaySecrets,
} from './create-gateway';
export { OPERATOR_TENANTS_PATH, operatorRoutes, type OperatorRoutesOptions } from './operator-endpoints';
export { TENANT_USAGE, runTenantCommand, type TenantCommandInput } from './tenant-command';
export { SessionRevoker, type SessionLimits } from './session-revoker';
export { CredentialActions, MAX_CREDENTIAL_LABEL } from './credential-actions';
export { endBrowserSession, type LoginAnswer } from './login-answer';
