import { WardenError } from '@warden/errors';
import type { IdentityStore } from './identity-store';
import type { UserRecord } from './types';

/** Who asks: the user and company of a verified token, and the client address for the audit. */
export interface AdminActor {
  user: string;
  company: string;
  clientIp?: string;
}

/** Ends tokens everywhere (the gateway's SessionRevoker). */
export interface SessionEnder {
  endUserTokens(userId: string): Promise<void>;
  revokeCredentialTokens(accessKey: string): Promise<void>;
}

/** The users that carry the configured system credentials: they follow the configuration, never an admin. */
export function isServiceIdentity(user: UserRecord): boolean {
  return user.role === 'system' || user.source === 'system';
}

/**
 * The checks every admin operation starts with. The actor's role is read from the store, not the
 * token: a demoted or disabled admin is refused at once, before its revoked token reaches every
 * verifier. A target in another company, or a service identity, is answered like a missing user.
 */
export class AdminGuard {
  constructor(private readonly store: IdentityStore) {}

  async admin(actor: AdminActor): Promise<UserRecord> {
    const user = typeof actor.user === 'string' && actor.user ? await this.store.getUser(actor.user) : null;
    if (!user || user.company !== actor.company || user.role !== 'admin' || !user.enabled) {
      throw new WardenError('ERR_FORBIDDEN', 'only an admin of this company may do this');
    }
    return user;
  }

  async target(actor: AdminActor, userId: unknown): Promise<UserRecord> {
    const user = typeof userId === 'string' && userId ? await this.store.getUser(userId) : null;
    if (!user || user.company !== actor.company || isServiceIdentity(user)) throw new WardenError('ERR_INVALID_USER', 'user not found');
    return user;
  }
}
