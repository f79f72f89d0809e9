import { z } from 'zod';
import type { ConfigObject } from '@warden/config';
import { DEFAULT_PASSWORD_POLICY, MAX_POLICY_LENGTH, MIN_POLICY_LENGTH, type LoginLimits } from '@warden/identity';

/** ClearML's `apiserver.auth` section, as operators already write it; the gateway is its reader. */
export const clearmlAuthSchema = z.object({
  max_expiration_sec: z.number().int().positive(),
  default_expiration_sec: z.number().int().positive(),
  session_auth_cookie_name: z.string().regex(/^[\w-]+$/, 'must be a plain cookie name'),
  cookies: z.object({
    httponly: z.boolean(),
    secure: z.union([z.boolean(), z.literal('auto')]),
    domain: z.string().nullable(),
    samesite: z.enum(['Lax', 'Strict', 'None']),
    max_age: z.number().int().positive(),
  }),
  fixed_users: z.object({
    enabled: z.boolean(),
    pass_hashed: z.boolean(),
    users: z.array(z.object({ username: z.string().min(1), password: z.string().min(1), name: z.string().optional(), admin: z.boolean().optional() })),
  }),
});

export const CLEARML_AUTH_DEFAULTS: ConfigObject = {
  max_expiration_sec: 31_536_000,
  default_expiration_sec: 2_592_000,
  session_auth_cookie_name: 'clearml_token_basic',
  // ClearML ships `secure: false`; Warden marks the cookie Secure whenever the request came over TLS.
  cookies: { httponly: true, secure: 'auto', domain: null, samesite: 'Lax', max_age: 99_999_999_999 },
  fixed_users: { enabled: false, pass_hashed: false, users: [] },
};

const count = z.number().int().min(1);
const windowSec = z
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 60 * 60);

/** Failed-login limits (see LoginLimits in libs/identity for what each one guards against). */
const loginLimitsSchema = z.object({
  /** Namespaces the counters in Redis, e.g. for deployments (or tests) sharing one Redis. */
  key_prefix: z.string().regex(/^[\w:.-]{1,128}$/, 'must be 1-128 letters, digits, _ : . or -'),
  per_client: z.object({ failures: count, window_sec: windowSec }),
  per_account_client: z.object({ failures: count, window_sec: windowSec }),
  backoff: z.object({ after_failures: count, base_sec: z.number().positive(), max_sec: z.number().positive() }).refine((b) => b.max_sec >= b.base_sec, {
    message: 'max_sec must be at least base_sec',
  }),
  per_account: z.object({ slow_after_failures: count, window_sec: windowSec, delay_ms: z.number().int().min(0).max(30_000) }),
});

/** Warden's own gateway settings: token issuing, login modes and limits, CORS. */
export const gatewayAuthSchema = z.object({
  tokens: z.object({
    algorithm: z.enum(['ES256', 'RS256']),
    issuer: z.string().min(1),
    api_audience: z.string().min(1),
    files_audience: z.string().min(1),
    rotation_days: z.number().positive(),
    leeway_sec: z.number().int().min(0).max(300),
    /** The longest a login's tokens, renewals included, may last; each token also stays within max_expiration_sec. */
    max_session_lifetime_sec: z.number().int().positive(),
    /** How long the gateway's last complete revocation list keeps serving while Redis cannot confirm it. */
    revocation_max_staleness_sec: z.number().int().min(0).max(3600),
  }),
  login: z.object({
    /** Web login with users stored in MongoDB (passwords under a slow hash). */
    local_users: z.boolean(),
    /** ClearML's username-only mode: development only, refused in production. */
    free_access: z.boolean(),
    limits: loginLimitsSchema,
    /** What a password set by a user or an admin must satisfy (not fixed users: the operator sets those). */
    password_policy: z
      .object({
        min_length: z.number().int().min(MIN_POLICY_LENGTH).max(MAX_POLICY_LENGTH),
        max_length: z.number().int().min(MIN_POLICY_LENGTH).max(MAX_POLICY_LENGTH),
      })
      .refine((p) => p.min_length <= p.max_length, { message: 'min_length must not be larger than max_length' }),
  }),
  cors: z.object({ allowed_origins: z.array(z.string().url()) }),
  /** Links an admin hands to invited users (console: users page); each works once. */
  invitations: z.object({
    ttl_sec: z
      .number()
      .int()
      .min(300)
      .max(30 * 24 * 60 * 60),
  }),
});

export const GATEWAY_AUTH_DEFAULTS: ConfigObject = {
  tokens: {
    algorithm: 'ES256',
    issuer: 'warden',
    api_audience: 'clearml-api',
    files_audience: 'clearml-files',
    rotation_days: 30,
    leeway_sec: 30,
    // ClearML's default token lifetime: a login renewed by its token lasts at most this long.
    max_session_lifetime_sec: 2_592_000,
    revocation_max_staleness_sec: 30,
  },
  login: {
    local_users: true,
    free_access: false,
    password_policy: { ...DEFAULT_PASSWORD_POLICY },
    limits: {
      key_prefix: 'warden:login',
      per_client: { failures: 100, window_sec: 900 },
      per_account_client: { failures: 10, window_sec: 900 },
      backoff: { after_failures: 5, base_sec: 1, max_sec: 900 },
      per_account: { slow_after_failures: 50, window_sec: 900, delay_ms: 1000 },
    },
  },
  cors: { allowed_origins: [] },
  invitations: { ttl_sec: 3 * 24 * 60 * 60 },
};

export type ClearmlAuthSettings = z.infer<typeof clearmlAuthSchema>;
export type GatewayAuthSettings = z.infer<typeof gatewayAuthSchema>;

/** Web login is on unless the operator chose ClearML's free-access mode. */
export function webLoginEnabled(clearml: ClearmlAuthSettings, gateway: GatewayAuthSettings): boolean {
  return !gateway.login.free_access && (clearml.fixed_users.enabled || gateway.login.local_users);
}

/** The configured limits in the limiter's terms. */
export function loginLimits(settings: GatewayAuthSettings['login']['limits']): LoginLimits {
  const { per_client, per_account_client, backoff, per_account } = settings;
  return {
    perClient: { failures: per_client.failures, windowSec: per_client.window_sec },
    perAccountClient: { failures: per_account_client.failures, windowSec: per_account_client.window_sec },
    backoff: { afterFailures: backoff.after_failures, baseSec: backoff.base_sec, maxSec: backoff.max_sec },
    perAccount: { slowAfterFailures: per_account.slow_after_failures, windowSec: per_account.window_sec, delayMs: per_account.delay_ms },
  };
}
