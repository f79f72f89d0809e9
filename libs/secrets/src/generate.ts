import { randomInt } from 'node:crypto';
import { envVarFor, SECRET_SETTINGS, type AppName, type SecretSetting } from './registry';

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
// A leading '-' or '_' is read as an option by shells and some YAML tooling.
const URL_SAFE_FIRST = URL_SAFE.slice(0, -2);

export const KEY_LENGTH = 30;
export const SECRET_MIN_LENGTH = 50;
export const SECRET_MAX_LENGTH = 60;

// randomInt draws uniformly (it rejects biased samples), so no character is likelier than another.
function pick(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export function generateKey(): string {
  return pick(KEY_ALPHABET, KEY_LENGTH);
}

export function generateSecret(): string {
  const length = randomInt(SECRET_MIN_LENGTH, SECRET_MAX_LENGTH + 1);
  return pick(URL_SAFE_FIRST, 1) + pick(URL_SAFE, length - 1);
}

/** Settings a generator can fill: keys and shared secrets (private keys the gateway makes itself). */
export function generatableSettings(): SecretSetting[] {
  return SECRET_SETTINGS.filter((s) => s.kind === 'key' || s.kind === 'secret');
}

export interface GeneratedSecret {
  setting: SecretSetting;
  envVar: string;
  value: string;
}

export function generateSecretSet(): GeneratedSecret[] {
  return generatableSettings().map((setting) => ({
    setting,
    envVar: envVarFor(setting.path),
    value: setting.kind === 'key' ? generateKey() : generateSecret(),
  }));
}

export type SecretFormat = 'env' | 'compose' | 'helm';

const HELM_SECTIONS: Record<AppName, string> = {
  'auth-gateway': 'authGateway',
  apiserver: 'apiserver',
  fileserver: 'fileserver',
};

// The compose stack reads its secrets from this file through ${VAR:?} interpolation, so that
// docker-compose.yml itself carries no secret and refuses to load without it.
const COMPOSE_HEADER = `# deploy/compose/.env: Warden's secrets, read by docker compose for the \${...} in docker-compose.yml.
# Keep it (mode 600, never committed) and back it up: API secrets are stored as hashes keyed by
# CLEARML__SECURE__AUTH__TOKEN_SECRET, so a new set makes every issued API credential invalid.
`;

/** Renders generated secrets for a `.env` file, docker compose's `.env` or Helm `extraEnvs`. */
export function formatSecrets(secrets: readonly GeneratedSecret[], format: SecretFormat): string {
  // Generated values are URL-safe, so double quotes never need escaping.
  if (format === 'env') return secrets.map((s) => `${s.envVar}=${s.value}`).join('\n') + '\n';
  if (format === 'compose') return COMPOSE_HEADER + secrets.map((s) => `${s.envVar}=${s.value}`).join('\n') + '\n';
  const apps = Object.keys(HELM_SECTIONS) as AppName[];
  return (
    apps
      .flatMap((app) => [
        `${HELM_SECTIONS[app]}:`,
        '  extraEnvs:',
        ...secrets.filter((s) => s.setting.usedBy.includes(app)).flatMap((s) => [`    - name: ${s.envVar}`, `      value: "${s.value}"`]),
      ])
      .join('\n') + '\n'
  );
}
