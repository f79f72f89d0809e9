/** A configuration problem an operator must fix before the service can start. */
export class ConfigError extends Error {
  readonly code: string;

  constructor(code: 'ERR_CONFIG_INVALID' | 'ERR_CONFIG_PARSE' | 'ERR_CONFIG_SOURCE' | 'ERR_SECRET_POLICY' | 'ERR_TLS_CERTIFICATE', message: string) {
    super(message);
    this.name = 'ConfigError';
    this.code = code;
  }
}
