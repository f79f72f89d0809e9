import type { Agent } from 'node:https';
import type { RedisClientType } from 'redis';
import { z } from 'zod';
import { JwksKeySource } from './jwks-key-source';
import type { KeySource } from './key-source';
import { RevocationList } from './revocation-list';
import { StaticKeySource } from './static-key-source';
import { TokenVerifier } from './token-verifier';

/** How a service that only verifies (apiserver, fileserver) finds the gateway's keys and checks tokens. */
export const verifierSettingsSchema = z.object({
  jwks_url: z.string().url(),
  /** Air-gapped deployments: a JWKS JSON or PEM public keys; used instead of jwks_url when set. */
  public_key_file: z.string().min(1).nullable(),
  issuer: z.string().min(1),
  audience: z.string().min(1),
  leeway_sec: z.number().int().min(0).max(300),
  cookie_names: z.array(z.string().regex(/^[\w-]+$/, 'must be a plain cookie name')),
  /** How long the last complete revocation list keeps serving while Redis cannot confirm it; then 503. */
  revocation_max_staleness_sec: z.number().int().min(0).max(3600),
  /**
   * The shortest time between two JWKS fetches prompted by unknown key ids: it bounds how long a
   * gateway's new signing key can go unrecognised here, and what random kids can cost the gateway.
   */
  jwks_min_refresh_sec: z.number().int().min(1).max(3600),
});

export type VerifierSettings = z.infer<typeof verifierSettingsSchema>;

export function verifierDefaults(audience: string) {
  return {
    jwks_url: 'http://127.0.0.1:8080/.well-known/jwks.json',
    public_key_file: null,
    issuer: 'warden',
    audience,
    leeway_sec: 30,
    cookie_names: ['clearml_token_basic'],
    revocation_max_staleness_sec: 30,
    jwks_min_refresh_sec: 30,
  };
}

export interface ServiceVerifier {
  verifier: TokenVerifier;
  revocations: RevocationList;
  /** For `/ready`: a service that would refuse every token for unknown revocations is not ready. */
  readiness: { name: string; check(): Promise<void> };
  close(): Promise<void>;
}

/**
 * The verifier a service runs: keys from the gateway's JWKS (or a file), revocations from Redis.
 * Revocations start listening in the background and keep retrying, like the Redis client itself.
 */
export function createServiceVerifier(settings: VerifierSettings, redis: RedisClientType, onError: (error: unknown) => void, agent?: Agent): ServiceVerifier {
  const keys: KeySource = settings.public_key_file
    ? StaticKeySource.fromFile(settings.public_key_file)
    : new JwksKeySource({ url: settings.jwks_url, agent, minRefreshIntervalMs: settings.jwks_min_refresh_sec * 1000 });
  const revocations = new RevocationList({ redis, onError, maxStalenessMs: settings.revocation_max_staleness_sec * 1000 });
  const verifier = new TokenVerifier({ keys, issuer: settings.issuer, audience: settings.audience, leewaySec: settings.leeway_sec, revocations });
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const start = () => {
    revocations.start().catch((error: unknown) => {
      onError(error);
      if (!closed) retry = setTimeout(start, 2000);
    });
  };
  start();
  return {
    verifier,
    revocations,
    readiness: { name: 'revocations', check: async () => revocations.assertUsable() },
    close: async () => {
      closed = true;
      clearTimeout(retry);
      await revocations.stop();
    },
  };
}
