import { DEFAULT_LOGIN_LIMITS } from '@warden/identity';
import { CLEARML_AUTH_DEFAULTS, GATEWAY_AUTH_DEFAULTS, clearmlAuthSchema, gatewayAuthSchema, loginLimits, webLoginEnabled } from './auth-settings';

const clearml = clearmlAuthSchema.parse(CLEARML_AUTH_DEFAULTS);
const gateway = gatewayAuthSchema.parse(GATEWAY_AUTH_DEFAULTS);

describe('auth settings', () => {
  it('is secure by default: web login on, free access off, CORS closed, ES256', () => {
    expect(webLoginEnabled(clearml, gateway)).toBe(true);
    expect(gateway.login.free_access).toBe(false);
    expect(gateway.cors.allowed_origins).toEqual([]);
    expect(gateway.tokens.algorithm).toBe('ES256');
    expect(clearml.cookies).toMatchObject({ httponly: true, samesite: 'Lax', secure: 'auto' });
  });

  it('turns web login off only in free-access mode or with no login method at all', () => {
    expect(webLoginEnabled(clearml, { ...gateway, login: { ...gateway.login, local_users: true, free_access: true } })).toBe(false);
    expect(webLoginEnabled(clearml, { ...gateway, login: { ...gateway.login, local_users: false, free_access: false } })).toBe(false);
    const fixed = { ...clearml, fixed_users: { ...clearml.fixed_users, enabled: true } };
    expect(webLoginEnabled(fixed, { ...gateway, login: { ...gateway.login, local_users: false, free_access: false } })).toBe(true);
  });

  it("defaults the login limits to the limiter's documented ones", () => {
    expect(loginLimits(gateway.login.limits)).toEqual(DEFAULT_LOGIN_LIMITS);
  });

  it.each([
    ['a zero failure count', { per_client: { failures: 0, window_sec: 900 } }],
    ['a back-off cap below its base', { backoff: { after_failures: 5, base_sec: 10, max_sec: 5 } }],
    ['a delay over 30 s', { per_account: { slow_after_failures: 50, window_sec: 900, delay_ms: 60_000 } }],
  ])('refuses login limits with %s', (_label, change) => {
    const login = { ...gateway.login, limits: { ...gateway.login.limits, ...change } };
    expect(gatewayAuthSchema.safeParse({ ...GATEWAY_AUTH_DEFAULTS, login }).success).toBe(false);
  });

  it('asks for passwords of 12 to 256 characters by default, and refuses a policy weaker than 8 or upside down', () => {
    expect(gateway.login.password_policy).toEqual({ min_length: 12, max_length: 256 });
    const policy = (p: object) => gatewayAuthSchema.safeParse({ ...GATEWAY_AUTH_DEFAULTS, login: { ...gateway.login, password_policy: p } });
    expect(policy({ min_length: 16, max_length: 128 }).success).toBe(true);
    expect(policy({ min_length: 4, max_length: 128 }).success).toBe(false);
    const upsideDown = policy({ min_length: 64, max_length: 32 });
    expect(upsideDown.success).toBe(false);
    expect(JSON.stringify(upsideDown.error?.issues)).toContain('min_length must not be larger than max_length');
  });

  it('bounds a login to 30 days and a stale revocation list to 30 s by default, and refuses a login that cannot last', () => {
    expect(gateway.tokens).toMatchObject({ max_session_lifetime_sec: 2_592_000, revocation_max_staleness_sec: 30 });
    const tokens = (changes: object) => gatewayAuthSchema.safeParse({ ...GATEWAY_AUTH_DEFAULTS, tokens: { ...gateway.tokens, ...changes } }).success;
    expect(tokens({ max_session_lifetime_sec: 0 })).toBe(false);
    expect(tokens({ revocation_max_staleness_sec: -1 })).toBe(false);
  });

  it('keeps invitation links valid 3 days by default, between 5 minutes and 30 days', () => {
    expect(gateway.invitations.ttl_sec).toBe(259_200);
    const ttl = (ttl_sec: unknown) => gatewayAuthSchema.safeParse({ ...GATEWAY_AUTH_DEFAULTS, invitations: { ttl_sec } }).success;
    expect([ttl(300), ttl(2_592_000), ttl(299), ttl(2_592_001), ttl(3600.5), ttl('1h')]).toEqual([true, true, false, false, false, false]);
  });

  it('refuses a cookie name that could inject attributes', () => {
    expect(clearmlAuthSchema.safeParse({ ...CLEARML_AUTH_DEFAULTS, session_auth_cookie_name: 'a; Domain=evil' }).success).toBe(false);
  });
});
