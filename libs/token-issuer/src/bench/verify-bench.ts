import { createTokenTestKit } from '../testing/token-test-kit';
import type { TokenVerifier } from '@warden/tokens';

/** Verifies `token` as often as it can for `seconds`; checks the time every batch so Date.now() stays out of the cost. */
async function rate(verifier: TokenVerifier, token: string, seconds: number): Promise<number> {
  const batch = 100;
  const start = performance.now();
  const end = start + seconds * 1000;
  let done = 0;
  while (performance.now() < end) {
    for (let i = 0; i < batch; i++) await verifier.verify(token);
    done += batch;
  }
  return done / ((performance.now() - start) / 1000);
}

/**
 * Verifications per second of an ES256 token: cold (cache disabled, so every call checks the signature)
 * and cached (the same token again, the common case of a client's requests). Each phase runs `seconds`.
 */
export async function benchVerify(opts: { seconds: number }): Promise<{ coldPerSec: number; cachedPerSec: number }> {
  const kit = await createTokenTestKit();
  const { token } = kit.issue();
  const coldPerSec = await rate(kit.verifier({ cacheSize: 0 }), token, opts.seconds);
  const cachedPerSec = await rate(kit.verifier(), token, opts.seconds);
  return { coldPerSec, cachedPerSec };
}
