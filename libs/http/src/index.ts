export { successEnvelope, errorEnvelope, type Envelope } from './envelope';
export { createLogger, type Logger, type LoggerOptions } from './logger';
export type { ReadinessCheck, ServiceState } from './readiness';
export { createServiceApp, type ServiceAppOptions } from './create-app';
export { jsonBody } from './json-body';
export type { FastRoutes } from './fast-routes';
export { listen, type RunningServer } from './server';
export {
  EXIT_CONFIG,
  serviceMain,
  startService,
  type BaseConfig,
  type CommandContext,
  type ServiceCommand,
  type ServiceContext,
  type ServiceDefinition,
  type ServiceParts,
  type StartOptions,
  type StartResult,
} from './service-main';
export { ClearmlApi, type ApiCall, type Authenticator, type ClearmlApiOptions, type EndpointHandler, type EndpointOptions } from './clearml-api/clearml-api';
export type { BodyKind } from './clearml-api/request-body';
export { CLEARML_API_VERSION, CLEARML_FEATURE_SET, CLEARML_SERVER_VERSION, compareVersions } from './clearml-api/api-version';
export * from './web';
export { forwardCalls, type ForwardOptions } from './forward-calls';
export { FORWARDED_CLIENT_HEADER, trustForwardedClient } from './forwarded-client';
export { LOG_PATH_LOCAL, QUIET_LOG_LOCAL } from './request-log';
