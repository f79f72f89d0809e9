export { successEnvelope, errorEnvelope, type Envelope } from './envelope';
export { createLogger, type Logger, type LoggerOptions } from './logger';
export type { ReadinessCheck, ServiceState } from './readiness';
export { createServiceApp, type ServiceAppOptions } from './create-app';
export { listen, type RunningServer } from './server';
export {
  EXIT_CONFIG,
  serviceMain,
  startService,
  type BaseConfig,
  type ServiceContext,
  type ServiceDefinition,
  type ServiceParts,
  type StartOptions,
  type StartResult,
} from './service-main';
