import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseHocon, type ConfigObject, type ConfigValue } from '@warden/config';
import { SdkError } from './sdk-error';

export interface ClientConfig {
  apiHost: string;
  webHost?: string;
  filesHost: string;
  accessKey: string;
  secretKey: string;
  /** Where each setting came from: `env:NAME` or `file:PATH`; shown by the CLI, never the values. */
  source: Partial<Record<ClientSetting, string>>;
  /** How https hosts are trusted; command-line options override these. */
  tls: ClientTlsSettings;
}

export interface ClientTlsSettings {
  caFile?: string;
  certName?: string;
  skipVerify: boolean;
}

export type ClientSetting = 'apiHost' | 'webHost' | 'filesHost' | 'accessKey' | 'secretKey';

export interface ResolveClientConfigOptions {
  env: Record<string, string | undefined>;
  homeDir: string;
}

/** The ClearML SDK's names, so an existing clearml.conf or CI environment works unchanged. */
const SETTINGS: Record<ClientSetting, { env: string; path: string[] }> = {
  apiHost: { env: 'CLEARML_API_HOST', path: ['api', 'api_server'] },
  webHost: { env: 'CLEARML_WEB_HOST', path: ['api', 'web_server'] },
  filesHost: { env: 'CLEARML_FILES_HOST', path: ['api', 'files_server'] },
  accessKey: { env: 'CLEARML_API_ACCESS_KEY', path: ['api', 'credentials', 'access_key'] },
  secretKey: { env: 'CLEARML_API_SECRET_KEY', path: ['api', 'credentials', 'secret_key'] },
};
const HOSTS: ClientSetting[] = ['apiHost', 'webHost', 'filesHost'];
const REQUIRED: ClientSetting[] = ['apiHost', 'filesHost', 'accessKey', 'secretKey'];

/** Env wins over the file, per setting, as in the ClearML SDK. */
export function resolveClientConfig({ env, homeDir }: ResolveClientConfigOptions): ClientConfig {
  const file = readConfigFile(env, homeDir);
  const values: Partial<Record<ClientSetting, string>> = {};
  const source: ClientConfig['source'] = {};
  for (const [name, setting] of Object.entries(SETTINGS) as Array<[ClientSetting, (typeof SETTINGS)[ClientSetting]]>) {
    const fromEnv = env[setting.env]?.trim();
    if (fromEnv) {
      values[name] = fromEnv;
      source[name] = `env:${setting.env}`;
      continue;
    }
    const fromFile = file && stringAt(file.tree, setting.path, file.path);
    if (!fromFile) continue;
    values[name] = fromFile;
    source[name] = `file:${file.path}`;
  }

  const missing = REQUIRED.filter((name) => !values[name]);
  if (missing.length > 0) {
    const where = file ? file.path : `${join(homeDir, 'clearml.conf')} (not found)`;
    const names = missing.map((name) => `${SETTINGS[name].env} or ${SETTINGS[name].path.join('.')}`);
    throw new SdkError('ERR_CONFIG_MISSING', `missing client settings: ${names.join('; ')} (looked in the environment and ${where})`);
  }
  for (const name of HOSTS) {
    if (values[name]) values[name] = normaliseHost(name, values[name], source[name] ?? '');
  }

  return {
    tls: tlsSettings(env, file?.tree),
    apiHost: values.apiHost!,
    webHost: values.webHost,
    filesHost: values.filesHost!,
    accessKey: values.accessKey!,
    secretKey: values.secretKey!,
    source,
  };
}

const isTrue = (value: string | undefined) => /^(1|true|yes|on)$/i.test(value?.trim() ?? '');

/**
 * Warden's own names first (WARDEN_CA_FILE, WARDEN_CERT_NAME, WARDEN_SKIP_VERIFY, `api.tls.*`),
 * then what the ClearML SDK already honours: requests' REQUESTS_CA_BUNDLE and `api.verify_certificate`.
 */
function tlsSettings(env: ResolveClientConfigOptions['env'], tree: ConfigObject | undefined): ClientTlsSettings {
  const at = (...path: string[]) => valueAt(tree, path);
  const text = (value: ConfigValue | undefined) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
  const caFile = env.WARDEN_CA_FILE?.trim() || env.REQUESTS_CA_BUNDLE?.trim() || text(at('api', 'tls', 'ca_file'));
  const certName = env.WARDEN_CERT_NAME?.trim() || text(at('api', 'tls', 'cert_name'));
  const skipVerify = isTrue(env.WARDEN_SKIP_VERIFY) || at('api', 'tls', 'skip_verify') === true || at('api', 'verify_certificate') === false;
  return { caFile, certName, skipVerify };
}

function valueAt(tree: ConfigObject | undefined, path: string[]): ConfigValue | undefined {
  let node: ConfigValue | undefined = tree;
  for (const key of path) {
    if (node === null || node === undefined || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = node[key];
  }
  return node;
}

function readConfigFile(env: ResolveClientConfigOptions['env'], homeDir: string): { path: string; tree: ConfigObject } | undefined {
  const explicit = env.CLEARML_CONFIG_FILE?.trim();
  const path = explicit || join(homeDir, 'clearml.conf');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    // The default file is optional; a file the user named explicitly must exist.
    if (!explicit && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SdkError('ERR_CONFIG_INVALID', `cannot read CLEARML_CONFIG_FILE ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return { path, tree: parseHocon(quoteBareUrls(text), { source: path, env }).value };
  } catch (error) {
    if (error instanceof ConfigError) throw new SdkError('ERR_CONFIG_INVALID', error.message);
    throw error;
  }
}

/**
 * clearml-init writes `api_server: http://localhost:8008` unquoted. pyhocon reads that as a URL;
 * strict HOCON reads `//` as the start of a comment. Quoting such values keeps both readings equal.
 */
function quoteBareUrls(text: string): string {
  return text.replace(/^(\s*[\w.-]+\s*[:=]\s*)(https?:\/\/[^\s"#,}\]]+)/gm, '$1"$2"');
}

function stringAt(tree: ConfigObject, path: string[], file: string): string | undefined {
  const node = valueAt(tree, path);
  if (node === undefined || node === null || node === '') return undefined;
  if (typeof node === 'object') throw new SdkError('ERR_CONFIG_INVALID', `${file}: ${path.join('.')} must be a string`);
  return String(node).trim() || undefined;
}

function normaliseHost(name: ClientSetting, value: string, from: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SdkError('ERR_CONFIG_INVALID', `${SETTINGS[name].env} from ${from} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SdkError('ERR_CONFIG_INVALID', `${SETTINGS[name].env} from ${from} must be an http(s) URL`);
  }
  if (url.username || url.password) {
    throw new SdkError('ERR_CONFIG_INVALID', `${SETTINGS[name].env} from ${from} must not embed credentials`);
  }
  return value.replace(/\/+$/, '');
}
