import { verify as cryptoVerify } from 'node:crypto';
import type { ErrorCode } from '@warden/errors';
import { StaticKeySource, type KeySource } from '@warden/tokens';
import { FakeRevocations, forgeToken } from '@warden/tokens/testing';
import { createTokenTestKit, type TokenTestKit } from './testing';

/** Counts key lookups: a verify that reaches the key source did not come from the cache. */
function countingKeys(kit: TokenTestKit): KeySource & { lookups: number } {
  const inner = StaticKeySource.fromJwks(kit.keyRing.jwks());
  const source = { lookups: 0, get: (kid: string) => (source.lookups++, inner.get(kid)) };
  return source;
}

const codeOf = (promise: Promise<unknown>): Promise<ErrorCode | undefined> =>
  promise.then(
    () => undefined,
    (error: { code: ErrorCode }) => error.code,
  );

describe('TokenVerifier cache', () => {
  let kit: TokenTestKit;
  beforeEach(async () => {
    kit = await createTokenTestKit();
  });

  it('answers a repeated token from the cache', async () => {
    const keys = countingKeys(kit);
    const verifier = kit.verifier({ keys });
    const { token, claims } = kit.issue();
    for (let i = 0; i < 5; i++) expect((await verifier.verify(token)).jti).toBe(claims.jti);
    expect(keys.lookups).toBe(1);
  });

  it('never serves a cached entry at or after the token exp', async () => {
    const keys = countingKeys(kit);
    const verifier = kit.verifier({ keys });
    const { token } = kit.issue({ expiresInSec: 60 });
    await verifier.verify(token);

    kit.clock.advanceSec(60);
    // Within the leeway the full check still accepts it, but it had to run again.
    await verifier.verify(token);
    expect(keys.lookups).toBe(2);

    kit.clock.advanceSec(31);
    expect(await codeOf(verifier.verify(token))).toBe('ERR_JWT_EXPIRED');
  });

  it('stays bounded, evicting the oldest entry', async () => {
    const keys = countingKeys(kit);
    const verifier = kit.verifier({ keys, cacheSize: 2 });
    const [a, b, c] = [kit.issue().token, kit.issue().token, kit.issue().token];
    for (const token of [a, b, c]) await verifier.verify(token);
    expect(keys.lookups).toBe(3);
    await verifier.verify(c);
    await verifier.verify(b);
    expect(keys.lookups).toBe(3);
    await verifier.verify(a);
    expect(keys.lookups).toBe(4);
  });

  it('does not cache with cacheSize 0', async () => {
    const keys = countingKeys(kit);
    const verifier = kit.verifier({ keys, cacheSize: 0 });
    const { token } = kit.issue();
    for (let i = 0; i < 3; i++) await verifier.verify(token);
    expect(keys.lookups).toBe(3);
  });

  it('checks revocation on every call, cached or not', async () => {
    const revocations = new FakeRevocations();
    const verifier = kit.verifier({ revocations });
    const { token, claims } = kit.issue({ auth: { method: 'credentials', access_key: 'AK1' } });
    await verifier.verify(token);

    revocations.credentials.add('AK1');
    expect(await codeOf(verifier.verify(token))).toBe('ERR_JWT_REVOKED');
    revocations.credentials.clear();
    revocations.users.set(claims.identity.user, claims.iat);
    expect(await codeOf(verifier.verify(token))).toBe('ERR_JWT_REVOKED');
    revocations.users.set(claims.identity.user, claims.iat - 1);
    await expect(verifier.verify(token)).resolves.toBeDefined();
  });

  it('hands out claims that cannot be changed for the next caller', async () => {
    const verifier = kit.verifier();
    const { token } = kit.issue();
    const claims = await verifier.verify(token);
    expect(() => {
      claims.identity.role = 'admin';
    }).toThrow(TypeError);
    expect((await verifier.verify(token)).identity.role).toBe('user');
  });

  it('refuses an algorithm left out of the pinned list', async () => {
    const verifier = kit.verifier({ algorithms: ['RS256'] });
    expect(await codeOf(verifier.verify(kit.issue().token))).toBe('ERR_JWT_ALG_NOT_ALLOWED');
  });

  it('refuses an ES256 signature in DER form although it is a valid signature of the same input', async () => {
    const key = kit.keyRing.active();
    const { claims } = kit.issue();
    const sign = (ecdsaEncoding: 'ieee-p1363' | 'der') =>
      forgeToken({ header: { alg: 'ES256', kid: key.kid, typ: 'JWT' }, payload: { ...claims }, key: key.privateKey, ecdsaEncoding });
    const [raw, der] = [sign('ieee-p1363'), sign('der')];
    const [input, signature] = [der.slice(0, der.lastIndexOf('.')), Buffer.from(der.slice(der.lastIndexOf('.') + 1), 'base64url')];
    expect(raw.startsWith(`${input}.`)).toBe(true);
    expect(cryptoVerify('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'der' }, signature)).toBe(true);

    const verifier = kit.verifier();
    expect((await verifier.verify(raw)).jti).toBe(claims.jti);
    expect(await codeOf(verifier.verify(der))).toBe('ERR_JWS_SIGNATURE_INVALID');
  });

  it('verifies RS256 tokens', async () => {
    const rsaKit = await createTokenTestKit({ algorithm: 'RS256' });
    const { token, claims } = rsaKit.issue();
    expect(token.split('.')[2].length).toBe(342);
    expect((await rsaKit.verifier().verify(token)).jti).toBe(claims.jti);
  });
});
