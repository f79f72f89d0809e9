import { createTokenTestKit } from '@warden/token-issuer/testing';
import { FakeClock } from '@warden/tokens/testing';
import type { TokenClaims } from '@warden/tokens';
import { AuthService, type AuthServiceDeps } from './auth-service';
import { CLEARML_AUTH_DEFAULTS, GATEWAY_AUTH_DEFAULTS, clearmlAuthSchema, gatewayAuthSchema } from './auth-settings';

const MAX_SESSION = 1000;
const nowSec = () => Math.floor(Date.now() / 1000);

describe('AuthService token families', () => {
  let service: AuthService;
  let first: TokenClaims;

  beforeAll(async () => {
    const kit = await createTokenTestKit({ clock: new FakeClock(Date.now()) });
    const defaults = gatewayAuthSchema.parse(GATEWAY_AUTH_DEFAULTS);
    const gateway = { ...defaults, tokens: { ...defaults.tokens, max_session_lifetime_sec: MAX_SESSION } };
    // Issuing touches only the issuer and the settings; logins, stores and Redis are the gateway spec's.
    service = new AuthService({ issuer: kit.issuer, clearml: clearmlAuthSchema.parse(CLEARML_AUTH_DEFAULTS), gateway } as unknown as AuthServiceDeps);
    first = service.issue(
      { id: 'u1', company: 'c1', role: 'user', name: 'U', company_name: 'C', username: 'u', enabled: true, source: 'local', created: new Date() },
      { method: 'password' },
    ).claims;
  });

  it('starts a family at login, capped at the maximum session lifetime', () => {
    expect(first).toMatchObject({ fam: expect.any(String), auth_time: first.iat });
    expect(first.exp - first.iat).toBe(MAX_SESSION);
  });

  it('keeps the family and its login time when renewing, with a new token id', () => {
    const renewed = service.renew(first, 60).claims;
    expect(renewed).toMatchObject({ fam: first.fam, auth_time: first.auth_time, exp: renewed.iat + 60 });
    expect(renewed.jti).not.toBe(first.jti);
  });

  it('never renews past the family’s maximum lifetime, and refuses once it is spent', () => {
    const old = { ...first, auth_time: nowSec() - MAX_SESSION + 100 };
    const renewed = service.renew(old).claims;
    expect(renewed.exp).toBeLessThanOrEqual(old.auth_time + MAX_SESSION);
    expect(renewed.auth_time).toBe(old.auth_time);
    expect(() => service.renew({ ...first, auth_time: nowSec() - MAX_SESSION })).toThrow(expect.objectContaining({ code: 'ERR_JWT_EXPIRED' }));
  });

  it('makes a token from before families a family of its own when renewing it', () => {
    const legacy: TokenClaims = { ...first, fam: undefined, auth_time: undefined };
    const renewed = service.renew(legacy, 60).claims;
    expect(renewed).toMatchObject({ fam: legacy.session_id, auth_time: legacy.iat });
  });
});
