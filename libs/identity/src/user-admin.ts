import { WardenError } from '@warden/errors';
import { isServiceIdentity, type AdminActor, type AdminGuard, type SessionEnder } from './admin-guard';
import type { AuditEvent, AuditTrail } from './audit-trail';
import type { IdentityStore } from './identity-store';
import type { InvitationRecord, Invitations, NewInvitation } from './invitations';
import { emailField, textField } from './text-fields';
import type { CredentialRecord, UserRecord } from './types';

export interface NewUserInput {
  username: unknown;
  name?: unknown;
  email?: unknown;
  role?: unknown;
  /** Also issue an invitation link (needs an email). */
  invite?: boolean;
}

export interface AdminUserView extends UserRecord {
  /** When the user's pending invitation expires; absent without one. */
  invited_until?: Date;
}

/** Counts failures per key (a client address) and refuses a key past its allowance (FailureLimiter). */
export interface FailureCounter {
  assertAllowed(key: string): Promise<void>;
  recordFailure(key: string): Promise<void>;
}

/** Wraps user creation, e.g. to limit how many taken usernames one admin may probe. */
export type UsernameGuard = <T>(actor: AdminActor, username: unknown, create: () => Promise<T>) => Promise<T>;

export interface UserAdminDeps {
  guard: AdminGuard;
  store: IdentityStore;
  invitations: Invitations;
  audit: AuditTrail;
  sessions: SessionEnder;
  usernameGuard?: UsernameGuard;
  /** Wrong, used or expired invitation links per client address; past the allowance every link is refused (429). */
  invitationFailures?: FailureCounter;
}

const lastAdmin = () => new WardenError('ERR_LAST_ADMIN');
const selfLockout = () => new WardenError('ERR_SELF_LOCKOUT');

function adminRole(value: unknown): 'user' | 'admin' {
  if (value === undefined || value === null || value === '') return 'user';
  if (value !== 'user' && value !== 'admin') throw new WardenError('ERR_BAD_REQUEST', 'role must be user or admin', { field: 'role' });
  return value;
}

/**
 * A company admin's user operations. Every change is audited with actor and target; a company never
 * loses its last enabled admin, and no admin disables or demotes itself. Without transactions the
 * last-admin rule is checked before and after each change, and a change that raced another one to
 * zero admins is undone.
 */
export class UserAdmin {
  constructor(private readonly deps: UserAdminDeps) {}

  async list(actor: AdminActor): Promise<AdminUserView[]> {
    const { guard, store, invitations } = this.deps;
    await guard.admin(actor);
    const pending = new Map((await invitations.pending(actor.company)).map((i) => [i.user, i.expires]));
    const users = (await store.listUsers(actor.company)).filter((u) => !isServiceIdentity(u));
    return users.map((u) => {
      const until = pending.get(u.id);
      return until ? { ...u, invited_until: until } : u;
    });
  }

  async get(actor: AdminActor, userId: unknown): Promise<AdminUserView> {
    await this.deps.guard.admin(actor);
    const user = await this.deps.guard.target(actor, userId);
    const [invitation] = (await this.deps.invitations.pending(actor.company)).filter((i) => i.user === user.id);
    return invitation ? { ...user, invited_until: invitation.expires } : user;
  }

  /** Every field is checked before anything is stored, so a refused input leaves nothing behind. */
  async create(actor: AdminActor, input: NewUserInput): Promise<{ user: UserRecord; invitation?: NewInvitation }> {
    const { guard, store, usernameGuard } = this.deps;
    await guard.admin(actor);
    const name = input.name === undefined || input.name === '' ? undefined : textField('name', input.name);
    const email = input.email === undefined || input.email === '' ? undefined : emailField(input.email);
    const role = adminRole(input.role);
    if (input.invite && email === undefined) throw new WardenError('ERR_BAD_REQUEST', 'an invitation needs the email it is sent to', { field: 'email' });
    const create = () => store.createUser({ company: actor.company, username: input.username as string, name, email, role, source: 'local' });
    const user = usernameGuard ? await usernameGuard(actor, input.username, create) : await create();
    this.record(actor, { type: 'user.create', user: user.id, detail: role });
    if (!input.invite || email === undefined) return { user };
    return { user, invitation: await this.issueInvitation(actor, user, email) };
  }

  /** A new link for a local user with an email; the earlier one stops working. */
  async invite(actor: AdminActor, userId: unknown): Promise<NewInvitation> {
    await this.deps.guard.admin(actor);
    const user = await this.deps.guard.target(actor, userId);
    if (user.source !== 'local') throw new WardenError('ERR_BAD_REQUEST', `${user.source} users sign in without a password of their own`);
    if (!user.email) throw new WardenError('ERR_BAD_REQUEST', 'the user has no email to invite', { field: 'email' });
    return this.issueInvitation(actor, user, user.email);
  }

  async setEnabled(actor: AdminActor, userId: unknown, enabled: boolean): Promise<UserRecord> {
    const { guard, store, sessions } = this.deps;
    if (typeof enabled !== 'boolean') throw new WardenError('ERR_BAD_REQUEST', 'enabled must be true or false', { field: 'enabled' });
    const admin = await guard.admin(actor);
    const target = await guard.target(actor, userId);
    if (target.id === admin.id && !enabled) throw selfLockout();
    if (target.enabled === enabled) return target;
    if (enabled) {
      const updated = await store.setUserEnabled(target.id, true);
      this.record(actor, { type: 'user.enable', user: target.id });
      return updated;
    }
    const isAdmin = target.role === 'admin';
    if (isAdmin) await this.assertAnotherAdmin(actor.company);
    // Tokens end first, so a failure in between never leaves a disabled user's tokens alive.
    await sessions.endUserTokens(target.id);
    const updated = await store.setUserEnabled(target.id, false);
    if (isAdmin) await this.undoIfNoAdminLeft(actor.company, () => store.setUserEnabled(target.id, true));
    this.record(actor, { type: 'user.disable', user: target.id });
    return updated;
  }

  /** Promotion takes effect at the user's next login; demotion ends the user's tokens at once. */
  async setRole(actor: AdminActor, userId: unknown, role: unknown): Promise<UserRecord> {
    const { guard } = this.deps;
    if (role !== 'user' && role !== 'admin') throw new WardenError('ERR_BAD_REQUEST', 'role must be user or admin', { field: 'role' });
    const admin = await guard.admin(actor);
    const target = await guard.target(actor, userId);
    if (target.id === admin.id && role !== 'admin') throw selfLockout();
    return this.changeRole(target, role, { actor: actor.user, client_ip: actor.clientIp });
  }

  /**
   * An identity provider's word on a user's role at sign-in (issue 14: admin groups, the admin role
   * claim): the same rules as an admin's change, with the provider (`method`, e.g. `sso:keycloak`) as
   * the actor. ERR_LAST_ADMIN leaves the user as it was. Service identities follow the configuration only.
   */
  async setRoleFromProvider(user: UserRecord, role: 'user' | 'admin', method: string, clientIp?: string): Promise<UserRecord> {
    if (isServiceIdentity(user)) return user;
    return this.changeRole(user, role, { method, client_ip: clientIp });
  }

  /**
   * Closes a user's pending invitations for this email (single use): the invited person signed in
   * through a provider that verified it, so the link must not set a password for the account later.
   */
  async closeInvitations(user: UserRecord, email: string, method: string, clientIp?: string): Promise<number> {
    const open = (await this.deps.invitations.pending(user.company, email)).filter((i) => i.user === user.id);
    if (open.length === 0) return 0;
    const closed = await this.deps.invitations.revokeForUser(user.id);
    this.deps.audit.record({ type: 'invitation.accept', outcome: 'success', user: user.id, company: user.company, method, client_ip: clientIp });
    return closed;
  }

  /** Never with a secret: the store keeps none to return. */
  async credentials(actor: AdminActor, userId: unknown): Promise<CredentialRecord[]> {
    await this.deps.guard.admin(actor);
    const user = await this.deps.guard.target(actor, userId);
    return this.deps.store.listCredentials({ user: user.id, company: actor.company });
  }

  async revokeCredential(actor: AdminActor, accessKey: unknown): Promise<CredentialRecord> {
    const { guard, store, sessions } = this.deps;
    await guard.admin(actor);
    const credential = typeof accessKey === 'string' && accessKey ? await store.getCredential(accessKey) : null;
    // Another company's key is answered like a missing one.
    if (!credential || credential.company !== actor.company) throw new WardenError('ERR_INVALID_ACCESS_KEY', 'invalid access key');
    const revoked = await store.revokeCredentials(credential.access_key);
    await sessions.revokeCredentialTokens(credential.access_key);
    this.record(actor, { type: 'credentials.revoke', user: credential.user, access_key: credential.access_key });
    return revoked;
  }

  /** What the invitation page shows before the password is set; ERR_INVITATION_INVALID for any bad token. */
  async invitation(token: unknown, clientIp?: string): Promise<{ invitation: InvitationRecord; user: UserRecord }> {
    const failures = clientIp ? this.deps.invitationFailures : undefined;
    await failures?.assertAllowed(clientIp as string);
    try {
      const invitation = await this.deps.invitations.peek(token);
      const user = await this.deps.store.getUser(invitation.user);
      if (!user || user.company !== invitation.company || user.source !== 'local') throw new WardenError('ERR_INVITATION_INVALID');
      return { invitation, user };
    } catch (error) {
      if (error instanceof WardenError && error.code === 'ERR_INVITATION_INVALID') await failures?.recordFailure(clientIp as string);
      throw error;
    }
  }

  /** Sets the invited user's password; the token works once, and a password the policy refuses does not use it up. */
  async acceptInvitation(token: unknown, password: unknown, clientIp?: string): Promise<UserRecord> {
    const { store, invitations, audit } = this.deps;
    const { user } = await this.invitation(token, clientIp);
    if (!user.enabled) throw new WardenError('ERR_USER_DISABLED');
    if (typeof password !== 'string') throw new WardenError('ERR_BAD_REQUEST', 'password is required', { field: 'password' });
    await store.passwordPolicy.assert(password, user.username);
    await invitations.consume(token);
    await store.setPassword(user.id, password);
    audit.record({ type: 'invitation.accept', outcome: 'success', user: user.id, company: user.company, client_ip: clientIp });
    return user;
  }

  private async issueInvitation(actor: AdminActor, user: UserRecord, email: string): Promise<NewInvitation> {
    const created = await this.deps.invitations.create({ company: actor.company, user: user.id, email, createdBy: actor.user });
    this.record(actor, { type: 'invitation.create', user: user.id, detail: email });
    return created;
  }

  private async changeRole(target: UserRecord, role: 'user' | 'admin', by: Pick<AuditEvent, 'actor' | 'method' | 'client_ip'>): Promise<UserRecord> {
    const { store, sessions, audit } = this.deps;
    if (target.role === role) return target;
    const demote = role === 'user';
    if (demote && target.enabled) await this.assertAnotherAdmin(target.company);
    // A token carries its role: the old admin tokens must not outlive the demotion.
    if (demote) await sessions.endUserTokens(target.id);
    const updated = await store.setUserRole(target.id, role);
    if (demote) await this.undoIfNoAdminLeft(target.company, () => store.setUserRole(target.id, 'admin'));
    audit.record({ type: 'user.role', outcome: 'success', user: target.id, company: target.company, detail: role, ...by });
    return updated;
  }

  private async assertAnotherAdmin(company: string): Promise<void> {
    if ((await this.deps.store.countEnabledAdmins(company)) < 2) throw lastAdmin();
  }

  private async undoIfNoAdminLeft(company: string, undo: () => Promise<unknown>): Promise<void> {
    if ((await this.deps.store.countEnabledAdmins(company)) > 0) return;
    await undo();
    throw lastAdmin();
  }

  private record(actor: AdminActor, event: Pick<AuditEvent, 'type' | 'user' | 'access_key' | 'detail'>): void {
    this.deps.audit.record({ ...event, outcome: 'success', actor: actor.user, company: actor.company, client_ip: actor.clientIp });
  }
}
