import type { StoredSigningKey } from './signing-key';

export interface SigningKeyStore {
  list(): Promise<StoredSigningKey[]>;
  add(key: StoredSigningKey): Promise<void>;
  retire(kid: string, at: Date): Promise<void>;
  remove(kid: string): Promise<void>;
}

/** For tests and single-process development; replicas share a database-backed store instead. */
export class MemorySigningKeyStore implements SigningKeyStore {
  private readonly keys = new Map<string, StoredSigningKey>();

  async list(): Promise<StoredSigningKey[]> {
    return [...this.keys.values()].map((key) => ({ ...key }));
  }

  async add(key: StoredSigningKey): Promise<void> {
    if (this.keys.has(key.kid)) throw new Error(`signing key ${key.kid} already stored`);
    this.keys.set(key.kid, { ...key });
  }

  async retire(kid: string, at: Date): Promise<void> {
    const key = this.keys.get(kid);
    // The first retirement wins, so a replica racing to retire the same key cannot extend its life.
    if (key && !key.retiredAt) this.keys.set(kid, { ...key, retiredAt: at });
  }

  async remove(kid: string): Promise<void> {
    this.keys.delete(kid);
  }
}
