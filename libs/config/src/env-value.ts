import { ConfigError } from './errors';
import { parseHoconValue, type ConfigValue } from './hocon/parse';

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * Reads an environment value the way ClearML's docs use them: literals and HOCON lists/objects
 * are typed, anything else (URLs, secrets, paths) is taken verbatim. A quoted value whose content
 * is a list (`"[\"admins\"]"`, as YAML and .env files tend to pass it through) is a list too.
 */
export function parseEnvValue(raw: string, source: string): ConfigValue {
  const text = raw.trim();
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (NUMBER.test(text)) return Number(text);
  if (text.startsWith('[') || text.startsWith('{')) return parseStructured(text, source);
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    const inner = unquote(text);
    if (inner === undefined) return raw;
    return inner.startsWith('[') || inner.startsWith('{') ? parseStructured(inner, source) : inner;
  }
  return raw;
}

function unquote(text: string): string | undefined {
  try {
    return JSON.parse(text) as string;
  } catch {
    return undefined;
  }
}

function parseStructured(text: string, source: string): ConfigValue {
  try {
    return parseHoconValue(text, source);
  } catch (error) {
    // Shells and .env files often keep the backslashes of \" escapes.
    if (text.includes('\\"')) return parseHoconValue(text.replace(/\\"/g, '"'), source);
    if (error instanceof ConfigError) {
      throw new ConfigError('ERR_CONFIG_PARSE', `${error.message} (a value starting with '${text[0]}' must be a valid list or object; quote it to pass text)`);
    }
    throw error;
  }
}
