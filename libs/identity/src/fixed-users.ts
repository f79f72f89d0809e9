import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { IdentityStore } from './identity-store';
import { verifyPassword } from './password-hash';
import type { UserRecord } from './types';

/** ClearML's `apiserver.auth.fixed_users` shape. */
export interface FixedUsersConfig {
  enabled: boolean;
  pass_hashed: boolean;
  users: { username: string; password: string; name?: string; admin?: boolean }[];
}

export interface FixedUser {
  username: string;
  name: string;
  admin: boolean;
}

const DEFAULT_BCRYPT_COST = 12;

// Digests have a fixed length, so timingSafeEqual can compare passwords of any length.
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

function bcryptCost(hash: string | undefined): number {
  const cost = Number(/^\$2[aby]\$(\d{2})\$/.exec(hash ?? '')?.[1]);
  return Number.isInteger(cost) && cost >= 4 && cost <= 31 ? cost : DEFAULT_BCRYPT_COST;
}

export class FixedUsers {
  readonly enabled: boolean;
  private readonly passHashed: boolean;
  private readonly users: Map<string, FixedUsersConfig['users'][number]>;
  // An unknown username is checked against this, so it costs as much as a known one.
  private readonly decoy: string;

  constructor(config: FixedUsersConfig) {
    this.enabled = config.enabled;
    this.passHashed = config.pass_hashed;
    this.users = new Map(config.users.map((u) => [u.username.toLowerCase(), u]));
    const throwaway = randomBytes(18).toString('base64');
    this.decoy = this.passHashed ? bcrypt.hashSync(throwaway, bcryptCost(config.users[0]?.password)) : throwaway;
  }

  async authenticate(username: string, password: string): Promise<FixedUser | undefined> {
    if (!this.enabled || typeof username !== 'string' || typeof password !== 'string') return undefined;
    const user = this.users.get(username.toLowerCase());
    const stored = user?.password ?? this.decoy;
    const ok = this.passHashed ? await verifyPassword(password, stored) : sameSecret(password, stored);
    if (!ok || !user) return undefined;
    return { username: user.username, name: user.name ?? user.username, admin: user.admin === true };
  }

  /** Mirrors the configured users into the store so they own tasks and show up in user lists. */
  async sync(store: IdentityStore, company: { id: string; name: string }): Promise<UserRecord[]> {
    if (!this.enabled) return [];
    await store.ensureCompany(company);
    const synced: UserRecord[] = [];
    for (const user of this.users.values()) {
      synced.push(
        await store.ensureUser({
          company: company.id,
          username: user.username,
          name: user.name ?? user.username,
          role: user.admin ? 'admin' : 'user',
          source: 'fixed',
        }),
      );
    }
    return synced;
  }
}
