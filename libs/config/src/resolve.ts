import { isSecretPath, type AppName } from '@warden/secrets';
import { parseEnvValue } from './env-value';
import { ConfigError } from './errors';
import { type ConfigObject } from './hocon/parse';
import { LayeredTree } from './layered-tree';
import { ENV_PREFIX, envNameToPath, readFileVariants, readSecretsDir } from './secret-files';
import { applyServiceEnv } from './service-env';
import { DEFAULT_CONFIG_DIR, readConfigDirs, readDotenv } from './sources';
import { ResolvedConfig } from './resolved-config';

export interface ResolveOptions {
  app: AppName;
  /** Built-in defaults for this app: the lowest layer. */
  defaults: ConfigObject;
  env?: Record<string, string | undefined>;
  /** Where the `.env` files are looked for. */
  cwd?: string;
}

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Builds the configuration from its layers, lowest first: built-in defaults; `*.conf` files under
 * CLEARML_CONFIG_DIR; `.env` files; mounted secret files; CLEARML__* environment variables and
 * their *_FILE variants; ClearML's CLEARML_*_SERVICE_* connection overrides.
 */
export function resolveConfig(options: ResolveOptions): ResolvedConfig {
  const processEnv = options.env ?? process.env;
  const dotenv = readDotenv(options.cwd ?? process.cwd(), processEnv.NODE_ENV);
  const env: Record<string, string | undefined> = { ...dotenv.values, ...processEnv };
  const fromProcess = (name: string) => processEnv[name] !== undefined;
  const sourceOf = (name: string) => (fromProcess(name) ? `env ${name}` : (dotenv.sources[name] ?? `env ${name}`));

  const tree = new LayeredTree();
  tree.merge([], options.defaults, 'default', () => `built-in default (${options.app})`);

  const explicitDirs = env.CLEARML_CONFIG_DIR !== undefined;
  const dirs = (env.CLEARML_CONFIG_DIR ?? DEFAULT_CONFIG_DIR).split(':').filter(Boolean);
  const { files, warnings } = readConfigDirs(dirs, explicitDirs, env);
  for (const { file, prefix, parsed } of files) {
    const skip = prefix.length + 1;
    tree.merge(prefix, parsed.value, 'file', (path) => {
      const line = parsed.lines.get(
        path
          .split('.')
          .slice(skip - 1)
          .join('.'),
      );
      return line ? `${file}:${line}` : file;
    });
  }

  const envNames = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && !isFileVariant(name))
    .sort();
  applyEnvVars(
    tree,
    envNames.filter((n) => !fromProcess(n)),
    env,
    'dotenv',
    sourceOf,
  );

  const mounted = readSecretsDir(env.WARDEN_SECRETS_DIR);
  warnings.push(...mounted.warnings);
  for (const secret of mounted.values) {
    tree.set(secret.path.split('.'), secret.value, { layer: 'secret-file', source: secret.source, value: secret.value }, true);
  }

  applyEnvVars(tree, envNames.filter(fromProcess), env, 'env', sourceOf);
  for (const secret of readFileVariants(env)) {
    tree.set(secret.path.split('.'), secret.value, { layer: 'secret-file', source: secret.source, value: secret.value }, true);
  }
  applyServiceEnv(tree, env, sourceOf);

  const mode = processEnv.NODE_ENV === 'production' ? 'production' : 'development';
  return new ResolvedConfig(options.app, tree, mode, warnings, env);
}

function isFileVariant(name: string): boolean {
  if (!name.endsWith('_FILE')) return false;
  const path = envNameToPath(name.slice(0, -'_FILE'.length));
  return path !== undefined && isSecretPath(path);
}

function applyEnvVars(
  tree: LayeredTree,
  names: string[],
  env: Record<string, string | undefined>,
  layer: 'env' | 'dotenv',
  sourceOf: (name: string) => string,
): void {
  for (const name of names) {
    const segments = name.slice(ENV_PREFIX.length).split('__');
    if (segments.some((s) => !s)) {
      throw new ConfigError('ERR_CONFIG_SOURCE', `${sourceOf(name)}: the name has an empty path segment (use single words joined by '__')`);
    }
    if (segments.some((s) => FORBIDDEN_SEGMENTS.has(s.toLowerCase()))) {
      throw new ConfigError('ERR_CONFIG_SOURCE', `${sourceOf(name)}: '${segments.join('.')}' is not an allowed key`);
    }
    const source = sourceOf(name);
    const value = parseEnvValue(env[name] ?? '', source);
    tree.set(segments, value, { layer, source, value }, true);
  }
}
