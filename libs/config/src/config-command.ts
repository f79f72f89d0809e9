import type { ZodType, ZodTypeDef } from 'zod';
import { ConfigError } from './errors';
import type { ResolvedConfig } from './resolved-config';
import type { KeyScope } from './unknown-keys';

export const CONFIG_USAGE = `usage: config dump            print the merged configuration, secrets redacted
       config explain <key>   show a key's value (redacted if secret) and which layer set it
       config check           validate the configuration and the secret policy; warn about keys nothing reads`;

/**
 * The operator views. Returns the exit code; `out` receives what to print. Nothing printed here
 * ever carries a secret value.
 */
export function runConfigCommand(
  args: readonly string[],
  config: ResolvedConfig,
  schema: ZodType<unknown, ZodTypeDef, unknown>,
  out: (text: string) => void,
  keys?: KeyScope,
): number {
  const [verb, key] = args;
  if (verb === 'dump') {
    out(JSON.stringify(config.dump(), null, 2));
    return 0;
  }
  if (verb === 'explain' && key) {
    out(config.explain(key));
    return 0;
  }
  if (verb === 'check') {
    // Before validating: a misspelt key is often why a required one looks missing.
    config.unknownKeys(schema, keys).forEach((w) => out(`warning: ${w}`));
    try {
      config.validate(schema);
      const { messages } = config.checkSecrets();
      messages.forEach((m) => out(`unsafe secret: ${m}`));
      out(messages.length ? `${config.app}: configuration valid, ${messages.length} unsafe secret(s)` : `${config.app}: configuration valid`);
      return messages.length && config.mode === 'production' ? 1 : 0;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      out(error.message);
      return 1;
    }
  }
  out(CONFIG_USAGE);
  return 2;
}
