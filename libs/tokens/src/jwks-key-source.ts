import type { Agent } from 'node:https';
import { WardenError } from '@warden/errors';
import { fetchJson } from '@warden/tls';
import type { VerificationKey } from './jwk';
import { keysFromJwks, type KeySource } from './key-source';

export interface JwksKeySourceOptions {
  url: string;
  /** How long a fetched key set is trusted before it is fetched again (default 10 min). */
  cacheTtlMs?: number;
  /** At most one fetch per interval, whatever kids arrive: random kids must not become a flood on the gateway (default 30 s). */
  minRefreshIntervalMs?: number;
  timeoutMs?: number;
  /** For an https URL: whom to trust (a private CA, the expected certificate name). */
  agent?: Agent;
}

/**
 * Keys from the gateway's JWKS endpoint. A failed refresh keeps the last good set, so a gateway restart
 * does not log everyone out; only a service that never got any keys answers "unavailable".
 */
export class JwksKeySource implements KeySource {
  private readonly url: string;
  private readonly cacheTtlMs: number;
  private readonly minRefreshIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly agent?: Agent;
  private keys?: Map<string, VerificationKey>;
  private fetchedAt = -Infinity;
  private attemptedAt = -Infinity;
  private inFlight?: Promise<void>;

  constructor(options: JwksKeySourceOptions) {
    this.url = options.url;
    this.cacheTtlMs = options.cacheTtlMs ?? 600_000;
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.agent = options.agent;
  }

  async get(kid: string): Promise<VerificationKey | undefined> {
    const now = Date.now();
    const wanted = now - this.fetchedAt >= this.cacheTtlMs || !this.keys?.has(kid);
    if (this.inFlight) await this.inFlight;
    else if (wanted && now - this.attemptedAt >= this.minRefreshIntervalMs) await this.refresh();
    if (!this.keys) throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'token signing keys could not be fetched');
    return this.keys.get(kid);
  }

  private refresh(): Promise<void> {
    this.attemptedAt = Date.now();
    this.inFlight = this.fetchKeys()
      .then((keys) => {
        this.keys = keys;
        this.fetchedAt = Date.now();
      })
      .catch(() => undefined)
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<Map<string, VerificationKey>> {
    return keysFromJwks(await fetchJson(this.url, { agent: this.agent, timeoutMs: this.timeoutMs }));
  }
}
