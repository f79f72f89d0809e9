import { WardenError } from '@warden/errors';
import type { CredentialRecord, NewCredentials } from '@warden/identity';
import type { Identity } from '@warden/tokens';
import type { AuthService } from './auth-service';

/** Labels are shown in lists and pages; a bound keeps one key from filling them. */
export const MAX_CREDENTIAL_LABEL = 256;

function checkedLabel(label: string | undefined): string | undefined {
  if (label !== undefined && [...label].length > MAX_CREDENTIAL_LABEL)
    throw new WardenError('ERR_BAD_REQUEST', `label is longer than ${MAX_CREDENTIAL_LABEL} characters`, { field: 'label' });
  return label;
}

// An admin acting on another user's key is named as the actor, the key's owner as the user.
function ownerAndActor(identity: Identity, credential: CredentialRecord): { user: string; actor?: string } {
  return credential.user === identity.user ? { user: identity.user } : { user: credential.user, actor: identity.user };
}

/**
 * What a caller may do with API credentials, audited the same way whether the ClearML API
 * (auth.*_credentials) or the console asks: one path, one set of checks.
 */
export class CredentialActions {
  constructor(private readonly service: AuthService) {}

  async create(identity: Identity, label: string | undefined, clientIp: string | undefined): Promise<NewCredentials> {
    const { store, audit } = this.service.deps;
    if (identity.role === 'system') throw new WardenError('ERR_FORBIDDEN', 'system identities cannot create credentials');
    const created = await store.createCredentials(identity.user, { label: checkedLabel(label) });
    audit.record({
      type: 'credentials.create',
      outcome: 'success',
      user: identity.user,
      company: identity.company,
      access_key: created.access_key,
      client_ip: clientIp,
    });
    return created;
  }

  /** The live (unrevoked) credentials of a user, never with secrets. */
  async list(user: string, company: string): Promise<CredentialRecord[]> {
    const credentials = await this.service.deps.store.listCredentials({ user, company });
    return credentials.filter((c) => !c.revoked);
  }

  async relabel(identity: Identity, accessKey: string, label: string | undefined, clientIp: string | undefined): Promise<void> {
    const { store, audit } = this.service.deps;
    const credential = await this.owned(identity, accessKey);
    await store.editCredentials(credential.access_key, { label: checkedLabel(label) });
    audit.record({
      type: 'credentials.edit',
      outcome: 'success',
      ...ownerAndActor(identity, credential),
      company: identity.company,
      access_key: credential.access_key,
      client_ip: clientIp,
    });
  }

  async revoke(identity: Identity, accessKey: string, clientIp: string | undefined): Promise<void> {
    const { store, audit } = this.service.deps;
    const credential = await this.owned(identity, accessKey);
    await store.revokeCredentials(credential.access_key);
    // Tokens already issued under this key die with it, everywhere.
    await this.service.sessions.revokeCredentialTokens(credential.access_key);
    audit.record({
      type: 'credentials.revoke',
      outcome: 'success',
      ...ownerAndActor(identity, credential),
      company: identity.company,
      access_key: credential.access_key,
      client_ip: clientIp,
    });
  }

  // A caller manages its own credentials; an admin those of its company. Another company's key
  // is answered like a missing one, so keys cannot be probed across tenants.
  private async owned(identity: Identity, accessKey: string): Promise<CredentialRecord> {
    const credential = await this.service.deps.store.getCredential(accessKey);
    if (!credential || credential.company !== identity.company) throw new WardenError('ERR_INVALID_ACCESS_KEY', 'invalid user or invalid access key');
    if (credential.user !== identity.user && identity.role !== 'admin')
      throw new WardenError('ERR_FORBIDDEN', 'only an admin manages the credentials of other users');
    return credential;
  }
}
