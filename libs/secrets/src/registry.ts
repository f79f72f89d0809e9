/** The apps that read secrets; a secret's policy is enforced only by the apps that use it. */
export type AppName = 'auth-gateway' | 'apiserver' | 'fileserver';

/**
 * key: an access key (30+ chars); secret: a shared secret (50+ chars);
 * private-key: a PEM private key; password: a backing-service password (optional, never defaulted).
 */
export type SecretKind = 'key' | 'secret' | 'private-key' | 'password';

const ALL: readonly AppName[] = ['auth-gateway', 'apiserver', 'fileserver'];

export interface SecretSetting {
  /** Dotted config path, lower case, as ClearML names it. */
  path: string;
  kind: SecretKind;
  /** Production refuses to start without it; optional ones are only checked when set. */
  required: boolean;
  usedBy: readonly AppName[];
  purpose: string;
}

function credentials(name: string, usedBy: readonly AppName[], purpose: string): SecretSetting[] {
  return [
    { path: `secure.credentials.${name}.user_key`, kind: 'key', required: true, usedBy, purpose },
    { path: `secure.credentials.${name}.user_secret`, kind: 'secret', required: true, usedBy, purpose },
  ];
}

export const SECRET_SETTINGS: readonly SecretSetting[] = [
  {
    path: 'secure.http.session_secret.apiserver',
    kind: 'secret',
    required: true,
    usedBy: ALL,
    purpose: 'keys the CSRF tokens of browser sessions',
  },
  {
    path: 'secure.auth.token_secret',
    kind: 'secret',
    required: true,
    usedBy: ['auth-gateway'],
    purpose: 'keys the hashes under which API secrets are stored',
  },
  {
    path: 'secure.auth.signing_key',
    kind: 'private-key',
    required: false,
    usedBy: ['auth-gateway'],
    purpose: 'signs JWTs (generated and persisted on first start when not set)',
  },
  {
    path: 'secure.auth.operator_secret',
    kind: 'secret',
    required: false,
    usedBy: ['auth-gateway'],
    purpose: 'authenticates the operator founding tenants (POST /operator/tenants, off while unset)',
  },
  // The apiserver's identity towards the gateway, with no power over tenants. The fileserver holds
  // none: it only verifies tokens (the gateway revokes a fileserver credential stored by older versions).
  ...credentials('apiserver', ['auth-gateway', 'apiserver'], 'the apiserver service identity towards the gateway'),
  ...credentials('webserver', ['auth-gateway'], 'the web UI system user (revoked when web login is on)'),
  ...credentials('tests', ['auth-gateway'], 'the default test user (revoked when web login is on)'),
  {
    path: 'hosts.redis.apiserver.password',
    kind: 'password',
    required: false,
    usedBy: ALL,
    purpose: 'Redis password',
  },
  {
    path: 'fileserver.storage.s3.access_key',
    kind: 'password',
    required: false,
    usedBy: ['fileserver'],
    purpose: 'S3 access key of the fileserver storage (absent: the AWS default credential chain)',
  },
  {
    path: 'fileserver.storage.s3.secret_key',
    kind: 'password',
    required: false,
    usedBy: ['fileserver'],
    purpose: 'S3 secret key of the fileserver storage',
  },
  {
    path: 'hosts.elastic.events.password',
    kind: 'password',
    required: false,
    usedBy: ['apiserver'],
    purpose: 'Elasticsearch password',
  },
];

const BY_PATH = new Map(SECRET_SETTINGS.map((s) => [s.path, s]));

/** Secret-looking names outside the registry (SSO client secrets, passwords in users lists...). */
const SECRET_NAME = /(secret|password|passwd|private_key|signing_key|token|api_key|credentials?)$/i;

export function findSecretSetting(path: string): SecretSetting | undefined {
  return BY_PATH.get(path.toLowerCase());
}

/** True for a registered secret and for any key whose last segment names a secret. */
export function isSecretPath(path: string): boolean {
  if (BY_PATH.has(path.toLowerCase())) return true;
  const last = path.split('.').pop() ?? '';
  return SECRET_NAME.test(last);
}

export function secretsUsedBy(app: AppName): SecretSetting[] {
  return SECRET_SETTINGS.filter((s) => s.usedBy.includes(app));
}

/** The environment variable that sets a config path, in the spelling ClearML's docs use. */
export function envVarFor(path: string): string {
  return `CLEARML__${path.split('.').join('__').toUpperCase()}`;
}
