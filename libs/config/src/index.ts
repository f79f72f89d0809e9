export { ConfigError } from './errors';
export { parseHocon, parseHoconValue, type ConfigObject, type ConfigValue } from './hocon/parse';
export { parseEnvValue } from './env-value';
export type { Layer, Origin } from './layered-tree';
export { resolveConfig, type ResolveOptions } from './resolve';
export { ResolvedConfig, type Mode, type SecretCheck } from './resolved-config';
export { runConfigCommand } from './config-command';
export type { KeyScope } from './unknown-keys';
export { isLoopbackHost, refuseCleartextUrls } from './url-policy';
export {
  HOSTS_DEFAULTS,
  LOGGING_DEFAULTS,
  TLS_DEFAULTS,
  hostsSchema,
  isAddressOrCidr,
  loggingSchema,
  serviceDefaults,
  serviceSchema,
  tlsSchema,
  trustedProxiesSchema,
  workersSchema,
  type HostsConfig,
  type LoggingConfig,
  type ServiceConfig,
  type TlsSettings,
  type WorkersSetting,
} from './service-schema';
