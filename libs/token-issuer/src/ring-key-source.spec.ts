import { StaticKeySource, TokenVerifier } from '@warden/tokens';
import { FakeClock } from '@warden/tokens/testing';
import { KeyRing } from './key-ring';
import { RingKeySource } from './ring-key-source';
import { MemorySigningKeyStore } from './signing-key-store';
import { TEST_AUDIENCE, TEST_ISSUER, testIdentity } from './testing';
import { TokenIssuer } from './token-issuer';

/** Two gateway replicas sharing one store; replica A rotates a minute after both loaded, B does not (yet). */
async function twoReplicas() {
  const store = new MemorySigningKeyStore();
  const clock = new FakeClock();
  const ring = (rotationDays: number) => new KeyRing({ store, algorithm: 'ES256', rotationDays, maxTokenLifetimeSec: 86_400, now: clock.date });
  const a = ring(30 / 86_400);
  const b = ring(30);
  await a.load();
  await b.load();
  const reads = jest.spyOn(store, 'list');
  clock.advanceSec(60);
  await a.load();
  const issuer = new TokenIssuer({ keyRing: a, issuer: TEST_ISSUER, apiVersion: '2.30', serverVersion: '1.16.0', featureSet: 'basic', now: clock.now });
  const rotated = issuer.issue({ identity: testIdentity(), audience: [TEST_AUDIENCE], expiresInSec: 3600, auth: { method: 'password' } });
  reads.mockClear();
  return { a, b, clockB: clock, reads, rotated };
}

const verifierFor = (keys: ConstructorParameters<typeof TokenVerifier>[0]['keys'], clock: FakeClock) =>
  new TokenVerifier({ keys, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, now: clock.now });

describe('RingKeySource', () => {
  it("lets a replica verify a token signed with another replica's new key at once", async () => {
    const { a, b, clockB, rotated } = await twoReplicas();
    expect(a.active().kid).not.toBe(b.active().kid);
    // What the gateway had before: the keys of its last periodic load, which miss the new one.
    await expect(verifierFor(StaticKeySource.fromJwks(b.jwks()), clockB).verify(rotated.token)).rejects.toThrow();
    const source = new RingKeySource(b, { minReloadMs: 1000, onError: () => undefined });
    await expect(verifierFor(source, clockB).verify(rotated.token)).resolves.toMatchObject({ identity: testIdentity() });
    // The re-read also makes B sign with the newest key, as A does.
    expect(b.active().kid).toBe(a.active().kid);
  });

  it('re-reads the store at most once per minReloadMs, however many unknown kids arrive', async () => {
    const { b, clockB, reads } = await twoReplicas();
    const source = new RingKeySource(b, { minReloadMs: 1000, onError: () => undefined });
    await Promise.all(['x1', 'x2', 'x3'].map((kid) => source.get(kid)));
    await source.get('x4');
    expect(reads).toHaveBeenCalledTimes(1);
    clockB.advanceSec(2);
    await source.get('x5');
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('keeps verifying with the keys it has while the store cannot be read', async () => {
    const { b, clockB, reads } = await twoReplicas();
    const errors: unknown[] = [];
    const source = new RingKeySource(b, { minReloadMs: 1000, onError: (error) => errors.push(error) });
    const known = b.active().kid;
    reads.mockRejectedValue(new Error('store down'));
    clockB.advanceSec(2);
    await expect(source.get('unknown')).resolves.toBeUndefined();
    await expect(source.get(known)).resolves.toMatchObject({ kid: known });
    expect(errors).toHaveLength(1);
  });
});
