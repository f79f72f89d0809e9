import { tokenFingerprint } from '@warden/tokens';
import { createTokenTestKit, testIdentity, TEST_ISSUER } from './testing';

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe('TokenIssuer', () => {
  it('signs the ClearML-facing claims with the active key', async () => {
    const kit = await createTokenTestKit();
    const { token, claims } = kit.issue({ auth: { method: 'credentials', access_key: 'AK1' } });
    const [header, payload] = token.split('.').slice(0, 2).map(decode);
    const nowSec = kit.clock.now() / 1000;

    expect(header).toEqual({ alg: 'ES256', kid: kit.keyRing.active().kid, typ: 'JWT' });
    expect(payload).toEqual(claims);
    expect(claims).toMatchObject({
      iss: TEST_ISSUER,
      aud: 'apiserver',
      sub: 'u-1',
      iat: nowSec,
      nbf: nowSec,
      exp: nowSec + 3600,
      identity: testIdentity(),
      api_version: '2.30',
      server_version: '1.16.0',
      feature_set: 'basic',
      auth: { method: 'credentials', access_key: 'AK1' },
    });
    expect(claims.session_id).toBe(claims.jti);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps a given session id and a list of audiences', async () => {
    const kit = await createTokenTestKit();
    const { claims } = kit.issue({ sessionId: 's-1', audience: ['apiserver', 'fileserver'] });
    expect(claims.session_id).toBe('s-1');
    expect(claims.aud).toEqual(['apiserver', 'fileserver']);
    expect(kit.issue().claims.jti).not.toBe(claims.jti);
  });

  it('refuses a lifetime longer than the key ring keeps retired keys', async () => {
    const kit = await createTokenTestKit();
    expect(() => kit.issue({ expiresInSec: 86_401 })).toThrow(/expiresInSec/);
    expect(() => kit.issue({ expiresInSec: 0 })).toThrow(/expiresInSec/);
    expect(() => kit.issue({ audience: [] })).toThrow(/audience/);
  });
});

describe('tokenFingerprint', () => {
  it('is a short stable hash that does not reveal the token', async () => {
    const { token } = (await createTokenTestKit()).issue();
    expect(tokenFingerprint(token)).toMatch(/^[0-9a-f]{16}$/);
    expect(tokenFingerprint(token)).toBe(tokenFingerprint(token));
    expect(tokenFingerprint(`${token}x`)).not.toBe(tokenFingerprint(token));
    for (const part of token.split('.')) expect(part).not.toContain(tokenFingerprint(token));
  });
});
