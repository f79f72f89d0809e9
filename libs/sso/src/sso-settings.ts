import { z } from 'zod';
import { ConfigError, type Mode } from '@warden/config';
import { isKnownDefault } from '@warden/secrets';

/** A provider's name is a path segment of its env names and URLs (`/callback_<p>`). */
const PROVIDER_NAME = /^[a-z][a-z0-9_-]{0,39}$/;
/** Identity providers generate their own secrets (Keycloak: 32 characters); shorter ones are guessable. */
export const MIN_CLIENT_SECRET_LENGTH = 16;

const url = z.string().url().max(2048);
const claimName = z.string().min(1).max(128);

/**
 * `services.login.sso.oauth_client.<p>`: what ClearML's KeyCloak page sets, plus the endpoints
 * discovery fills when they are not set, and a few Warden knobs, each with a safe default.
 */
export const providerSchema = z.object({
  base_url: url.optional(),
  authorize_url: url.optional(),
  access_token_url: url.optional(),
  issuer: z.string().min(1).max(2048).optional(),
  jwks_url: url.optional(),
  userinfo_url: url.optional(),
  end_session_url: url.optional(),
  display_name: z.string().min(1).max(100).optional(),
  scope: z
    .string()
    .regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'must be space-separated scope names')
    .default('openid email profile'),
  groups: z
    .object({
      enabled: z.boolean().default(false),
      claim: claimName.default('groups'),
      admins: z.array(z.string().min(1)).default([]),
      prohibit_user_signup_if_not_in_group: z.boolean().default(false),
    })
    .default({}),
  claims: z
    .object({
      user_id: claimName.default('sub'),
      email: claimName.default('email'),
      email_verified: claimName.default('email_verified'),
      name: claimName.default('name'),
      given_name: claimName.default('given_name'),
      family_name: claimName.default('family_name'),
      picture: claimName.default('picture'),
      roles: claimName.default('roles'),
    })
    .default({}),
  /** A user holding this role is an admin; "" leaves admins to Warden. */
  admin_role: z.string().max(128).default('admin'),
  idp_logout: z.boolean().default(false),
  get_info_from_access_token: z.boolean().default(true),
  require_email_verified: z.boolean().default(false),
  pkce: z.enum(['S256', 'plain', 'none']).default('S256'),
  timeout_sec: z.number().positive().max(60).default(10),
  clock_skew_sec: z.number().int().min(0).max(300).default(60),
});

/** `secure.login.sso.oauth_client.<p>`: the client's credentials and the tenant new users join. */
export const providerSecretsSchema = z.object({
  client_id: z.string().min(1).max(512).optional(),
  client_secret: z.string().max(4096).optional(),
  default_company: z.string().min(1).max(128).optional(),
});

/** `services.login.sso.oauth_client.<p>` for any provider name. */
export const ssoServicesSchema = z
  .object({ login: z.object({ sso: z.object({ oauth_client: z.record(providerSchema).default({}) }).default({}) }).default({}) })
  .default({});

/** `secure.login.sso.oauth_client.<p>`: the secure section's login part. */
export const ssoSecureLoginSchema = z.object({ sso: z.object({ oauth_client: z.record(providerSecretsSchema).default({}) }).default({}) }).default({});

export type ProviderConfig = z.infer<typeof providerSchema>;
export type ProviderSecrets = z.infer<typeof providerSecretsSchema>;

export interface ProviderSettings extends ProviderConfig {
  name: string;
  clientId: string;
  clientSecret?: string;
  defaultCompany?: string;
}

const env = (name: string, key: string) => `CLEARML__services__login__sso__oauth_client__${name}__${key}`;
const secureEnv = (name: string, key: string) => `CLEARML__secure__login__sso__oauth_client__${name}__${key}`;

/**
 * Each configured provider, checked as an operator would want it explained: a bad name, no client id,
 * no way to find the endpoints, or (in production) a missing, default or short client secret.
 */
export function providerSettings(
  services: Record<string, ProviderConfig>,
  secure: Record<string, ProviderSecrets>,
  mode: Mode,
): { providers: ProviderSettings[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const names = [...new Set([...Object.keys(services), ...Object.keys(secure)])].sort();
  const providers = names.flatMap((name): ProviderSettings[] => {
    if (!PROVIDER_NAME.test(name)) {
      problems.push(`provider name '${name}' must be 1-40 lower-case letters, digits, _ or -, starting with a letter (it becomes /callback_${name})`);
      return [];
    }
    const config = services[name];
    const secrets = secure[name] ?? {};
    if (!config) {
      problems.push(`secure.login.sso.oauth_client.${name} is set but services.login.sso.oauth_client.${name} is not: set ${env(name, 'base_url')}`);
      return [];
    }
    if (!secrets.client_id) problems.push(`secure.login.sso.oauth_client.${name}.client_id is not set: set ${secureEnv(name, 'client_id')}`);
    if (!config.base_url && !(config.authorize_url && config.access_token_url && config.issuer && config.jwks_url)) {
      problems.push(
        `services.login.sso.oauth_client.${name} needs base_url (the provider's issuer, whose /.well-known/openid-configuration is read) or all of authorize_url, access_token_url, issuer and jwks_url: set ${env(name, 'base_url')}`,
      );
    }
    problems.push(...secretProblems(name, secrets.client_secret, mode));
    if (secrets.client_secret && mode !== 'production')
      warnings.push(...secretProblems(name, secrets.client_secret, 'production').map((p) => `UNSAFE SECRET (allowed only outside production): ${p}`));
    if (config.pkce !== 'S256')
      warnings.push(`services.login.sso.oauth_client.${name}.pkce is ${config.pkce}: authorization codes are not bound to the browser's sign-in by S256`);
    return [{ ...config, name, clientId: secrets.client_id ?? '', clientSecret: secrets.client_secret || undefined, defaultCompany: secrets.default_company }];
  });
  if (problems.length) throw new ConfigError('ERR_CONFIG_INVALID', `invalid single sign-on configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return { providers, warnings };
}

function secretProblems(name: string, secret: string | undefined, mode: Mode): string[] {
  if (mode !== 'production') return [];
  const key = `secure.login.sso.oauth_client.${name}.client_secret`;
  const how = `set ${secureEnv(name, 'client_secret')} or its _FILE variant to the secret the provider generated for this client`;
  if (!secret) return [`${key} is not set (${how})`];
  if (isKnownDefault(secret)) return [`${key} is a publicly known default value (${how})`];
  if (secret.length < MIN_CLIENT_SECRET_LENGTH) return [`${key} is shorter than ${MIN_CLIENT_SECRET_LENGTH} characters (${how})`];
  return [];
}
