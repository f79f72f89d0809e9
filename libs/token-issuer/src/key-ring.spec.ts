import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { StaticKeySource, TokenVerifier, jwkThumbprint } from '@warden/tokens';
import { FakeClock } from '@warden/tokens/testing';
import { KeyRing, type KeyRingOptions } from './key-ring';
import { generateSigningKey, signingKeyFromPem, toStoredKey } from './signing-key';
import { MemorySigningKeyStore } from './signing-key-store';
import { TEST_AUDIENCE, TEST_ISSUER, testIdentity } from './testing';
import { TokenIssuer } from './token-issuer';

const DAY_SEC = 86_400;

function ring(store: MemorySigningKeyStore, clock: FakeClock, extra: Partial<KeyRingOptions> = {}): KeyRing {
  return new KeyRing({ store, algorithm: 'ES256', rotationDays: 30, maxTokenLifetimeSec: DAY_SEC, now: clock.date, ...extra });
}

const kids = (keyRing: KeyRing) =>
  keyRing
    .jwks()
    .keys.map((key) => key.kid)
    .sort();

describe('KeyRing', () => {
  it('refuses use before load()', () => {
    expect(() => ring(new MemorySigningKeyStore(), new FakeClock()).active()).toThrow(/load\(\)/);
  });

  it('generates and stores a key of the configured algorithm on first load', async () => {
    const store = new MemorySigningKeyStore();
    const keyRing = ring(store, new FakeClock(), { algorithm: 'RS256' });
    await keyRing.load();
    const active = keyRing.active();
    expect(active.alg).toBe('RS256');
    expect((await store.list()).map((key) => key.kid)).toEqual([active.kid]);
    expect(keyRing.jwks().keys).toEqual([expect.objectContaining({ kid: active.kid, alg: 'RS256', use: 'sig', kty: 'RSA' })]);
    expect(keyRing.jwks().keys[0]).not.toHaveProperty('d');
  });

  it('keeps the key before rotationDays and rotates after, retiring the old one', async () => {
    const clock = new FakeClock();
    const store = new MemorySigningKeyStore();
    const keyRing = ring(store, clock);
    await keyRing.load();
    const first = keyRing.active().kid;

    clock.advanceDays(29);
    await keyRing.load();
    expect(keyRing.active().kid).toBe(first);

    clock.advanceDays(1);
    await keyRing.load();
    const second = keyRing.active().kid;
    expect(second).not.toBe(first);
    expect(kids(keyRing)).toEqual([first, second].sort());
    expect((await store.list()).find((key) => key.kid === first)?.retiredAt).toEqual(clock.date());
  });

  it('publishes a retired key until maxTokenLifetimeSec after retirement, then removes it', async () => {
    const clock = new FakeClock();
    const store = new MemorySigningKeyStore();
    const keyRing = ring(store, clock);
    await keyRing.load();
    const first = keyRing.active().kid;
    clock.advanceDays(30);
    await keyRing.load();

    clock.advanceSec(DAY_SEC);
    await keyRing.load();
    expect(kids(keyRing)).toContain(first);

    clock.advanceSec(1);
    await keyRing.load();
    expect(kids(keyRing)).toEqual([keyRing.active().kid]);
    expect((await store.list()).map((key) => key.kid)).toEqual([keyRing.active().kid]);
  });

  it('verifies tokens issued before a rotation after it', async () => {
    const clock = new FakeClock();
    const keyRing = ring(new MemorySigningKeyStore(), clock);
    await keyRing.load();
    const issuer = new TokenIssuer({ keyRing, issuer: TEST_ISSUER, apiVersion: '2.30', serverVersion: '1.0.0', featureSet: 'basic', now: clock.now });
    const issue = () => issuer.issue({ identity: testIdentity(), audience: [TEST_AUDIENCE], expiresInSec: 3600, auth: { method: 'password' } });
    clock.advanceSec(30 * DAY_SEC - 600);
    await keyRing.load();
    const before = issue();

    clock.advanceSec(600);
    await keyRing.load();
    const after = issue();
    expect(after.token.split('.')[0]).not.toBe(before.token.split('.')[0]);
    expect(after.token).not.toBe(before.token);

    clock.advanceSec(60);
    const verifier = new TokenVerifier({ keys: StaticKeySource.fromJwks(keyRing.jwks()), issuer: TEST_ISSUER, audience: TEST_AUDIENCE, now: clock.now });
    expect((await verifier.verify(before.token)).jti).toBe(before.claims.jti);
    expect((await verifier.verify(after.token)).jti).toBe(after.claims.jti);
  });

  it('rotates when the configured algorithm changes, keeping the old key published', async () => {
    const clock = new FakeClock();
    const store = new MemorySigningKeyStore();
    await ring(store, clock, { algorithm: 'RS256' }).load();
    const rsaKid = (await store.list())[0].kid;
    const keyRing = ring(store, clock);
    await keyRing.load();
    expect(keyRing.active().alg).toBe('ES256');
    expect(kids(keyRing)).toContain(rsaKid);
    expect((await store.list()).find((key) => key.kid === rsaKid)?.retiredAt).toBeDefined();
  });

  it('uses a configured PEM without touching the store', async () => {
    const store = new MemorySigningKeyStore();
    const configured = generateSigningKey('ES256');
    const pem = toStoredKey(configured).privateKeyPem;
    const keyRing = ring(store, new FakeClock(), { configuredKeyPem: pem });
    await keyRing.load();
    expect(keyRing.active().kid).toBe(configured.kid);
    expect(kids(keyRing)).toEqual([configured.kid]);
    expect(await store.list()).toEqual([]);
  });

  it('refuses a configured PEM of another algorithm than configured', async () => {
    const pem = toStoredKey(generateSigningKey('RS256')).privateKeyPem;
    await expect(ring(new MemorySigningKeyStore(), new FakeClock(), { configuredKeyPem: pem }).load()).rejects.toThrow(/RS256/);
  });

  it('makes replicas sharing a store agree on the active key, even after racing to rotate', async () => {
    const clock = new FakeClock();
    const store = new MemorySigningKeyStore();
    const a = ring(store, clock);
    const b = ring(store, clock);
    await a.load();
    await b.load();
    expect(b.active().kid).toBe(a.active().kid);

    clock.advanceDays(30);
    await Promise.all([a.load(), b.load()]);
    await Promise.all([a.load(), b.load()]);
    expect(b.active().kid).toBe(a.active().kid);
    expect(kids(a)).toEqual(kids(b));
    // Both racing keys stay published, so tokens either replica signed meanwhile verify everywhere.
    expect((await store.list()).filter((key) => !key.retiredAt)).toHaveLength(2);
  });
});

describe('signingKeyFromPem', () => {
  it('derives ES256 from P-256 and RS256 from RSA 2048, kid = thumbprint', () => {
    const ec = generateSigningKey('ES256');
    const fromPem = signingKeyFromPem(toStoredKey(ec).privateKeyPem);
    expect(fromPem).toMatchObject({ alg: 'ES256', kid: ec.kid });
    expect(ec.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signingKeyFromPem(toStoredKey(generateSigningKey('RS256')).privateKeyPem).alg).toBe('RS256');
  });

  it('computes the RFC 7638 thumbprint of its example key', () => {
    const jwk = {
      kty: 'RSA',
      e: 'AQAB',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
    };
    expect(jwkThumbprint(createPublicKey({ key: jwk, format: 'jwk' }))).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('refuses other key types with a clear error that does not echo the key', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => signingKeyFromPem(small)).toThrow(/unsupported signing key type \(rsa 1024 bits\)/);
    expect(() => signingKeyFromPem(p384)).toThrow(/unsupported signing key type \(ec secp384r1\)/);
    expect(() => signingKeyFromPem(ed)).toThrow(/unsupported signing key type/);
    const garbled = small.slice(0, 200);
    expect(() => signingKeyFromPem(garbled)).toThrow('signing key is not a readable PEM private key');
  });
});
