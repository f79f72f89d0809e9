import { StaticKeySource, TokenVerifier, type Identity, type TokenAlgorithm, type TokenClaims, type VerifierOptions } from '@warden/tokens';
import { FakeClock } from '@warden/tokens/testing';
import { KeyRing } from '../key-ring';
import { MemorySigningKeyStore } from '../signing-key-store';
import { TokenIssuer, type IssueInput } from '../token-issuer';

export const TEST_ISSUER = 'https://auth.warden.test';
export const TEST_AUDIENCE = 'apiserver';

export function testIdentity(overrides: Partial<Identity> = {}): Identity {
  return { user: 'u-1', company: 'c-1', role: 'user', user_name: 'Ada', company_name: 'Acme', ...overrides };
}

export interface TokenTestKit {
  clock: FakeClock;
  keyRing: KeyRing;
  issuer: TokenIssuer;
  /** A token for testIdentity() (or the overrides) valid for an hour at the clock's time. */
  issue(overrides?: Partial<IssueInput>): { token: string; claims: TokenClaims };
  /** A verifier for TEST_ISSUER/TEST_AUDIENCE trusting the ring's current JWKS, on the kit's clock. */
  verifier(options?: Partial<VerifierOptions>): TokenVerifier;
}

/** A loaded key ring, issuer and verifier sharing one fake clock: the usual setup for a token test. */
export async function createTokenTestKit(options: { algorithm?: TokenAlgorithm; clock?: FakeClock } = {}): Promise<TokenTestKit> {
  const clock = options.clock ?? new FakeClock();
  const keyRing = new KeyRing({
    store: new MemorySigningKeyStore(),
    algorithm: options.algorithm ?? 'ES256',
    rotationDays: 30,
    maxTokenLifetimeSec: 86_400,
    now: clock.date,
  });
  await keyRing.load();
  const issuer = new TokenIssuer({ keyRing, issuer: TEST_ISSUER, apiVersion: '2.30', serverVersion: '1.16.0', featureSet: 'basic', now: clock.now });
  return {
    clock,
    keyRing,
    issuer,
    issue: (overrides = {}) =>
      issuer.issue({ identity: testIdentity(), audience: [TEST_AUDIENCE], expiresInSec: 3600, auth: { method: 'password' }, ...overrides }),
    verifier: (verifierOptions = {}) =>
      new TokenVerifier({ keys: StaticKeySource.fromJwks(keyRing.jwks()), issuer: TEST_ISSUER, audience: TEST_AUDIENCE, now: clock.now, ...verifierOptions }),
  };
}
