import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isSecretPath } from '@warden/secrets';
import { ConfigError } from './errors';

export interface SecretFileValue {
  path: string;
  value: string;
  source: string;
}

export const ENV_PREFIX = 'CLEARML__';

/** `CLEARML__SECURE__AUTH__TOKEN_SECRET` -> `secure.auth.token_secret`; undefined when malformed. */
export function envNameToPath(name: string): string | undefined {
  if (!name.startsWith(ENV_PREFIX)) return undefined;
  const segments = name.slice(ENV_PREFIX.length).split('__');
  if (segments.some((s) => !s)) return undefined;
  return segments.join('.').toLowerCase();
}

function readSecretFile(file: string, what: string): string {
  try {
    // Kubernetes and editors add a trailing newline that is never part of the secret.
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new ConfigError('ERR_CONFIG_SOURCE', `${what}: secret file ${file} cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
}

/** `CLEARML__X__Y_FILE=/path` for secret settings; a plain `CLEARML__X__Y` beside it is ambiguous. */
export function readFileVariants(env: Record<string, string | undefined>): SecretFileValue[] {
  return Object.keys(env)
    .filter((name) => name.endsWith('_FILE') && env[name])
    .sort()
    .flatMap((name) => {
      const base = name.slice(0, -'_FILE'.length);
      const path = envNameToPath(base);
      if (!path || !isSecretPath(path)) return [];
      if (env[base] !== undefined) {
        throw new ConfigError('ERR_CONFIG_SOURCE', `both ${base} and ${name} are set; set only one of them`);
      }
      const file = env[name] as string;
      return [{ path, value: readSecretFile(file, name), source: `file ${file} (from ${name})` }];
    });
}

/**
 * Secrets mounted as files (Kubernetes secret volumes, docker secrets): each file is named after
 * the env var (`CLEARML__SECURE__AUTH__TOKEN_SECRET`) or the dotted key (`secure.auth.token_secret`).
 */
export function readSecretsDir(dir: string | undefined): { values: SecretFileValue[]; warnings: string[] } {
  if (!dir) return { values: [], warnings: [] };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigError('ERR_CONFIG_SOURCE', `WARDEN_SECRETS_DIR ${dir} is not a directory`);
  }
  const values: SecretFileValue[] = [];
  const warnings: string[] = [];
  // Kubernetes keeps its bookkeeping in dot-entries (..data, ..2024_01_01); they are not secrets.
  for (const name of readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .sort()) {
    const file = join(dir, name);
    if (!statSync(file).isFile()) continue;
    const path = envNameToPath(name) ?? name.toLowerCase();
    if (!isSecretPath(path)) {
      warnings.push(`${file} does not name a secret setting; ignored`);
      continue;
    }
    values.push({ path, value: readSecretFile(file, 'WARDEN_SECRETS_DIR'), source: `file ${file}` });
  }
  return { values, warnings };
}
