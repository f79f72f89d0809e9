import type { Connection } from 'mongoose';
import { WardenError } from '@warden/errors';
import { AdminGuard, type AdminActor, type SessionEnder } from './admin-guard';
import { AuditQueries, type AuditPage, type AuditQuery } from './audit-query';
import type { AuditTrail } from './audit-trail';
import { GroupAdmin } from './group-admin';
import { GroupStore } from './groups';
import type { IdentityStore } from './identity-store';
import { Invitations } from './invitations';
import { UserAdmin, type FailureCounter, type UsernameGuard } from './user-admin';

export interface CompanyAdminOptions {
  connection: Connection;
  store: IdentityStore;
  audit: AuditTrail;
  sessions: SessionEnder;
  /** How long an invitation link works. */
  invitationTtlSec: number;
  usernameGuard?: UsernameGuard;
  invitationFailures?: FailureCounter;
  now?: () => Date;
}

/** Everything a company admin does (the console's admin pages), each call scoped to the actor's company. */
export class CompanyAdmin {
  readonly users: UserAdmin;
  readonly groups: GroupAdmin;
  /** The group store itself, for SSO group sync (issue 14). */
  readonly groupStore: GroupStore;
  readonly invitations: Invitations;
  private readonly guard: AdminGuard;
  private readonly auditQueries: AuditQueries;

  constructor(options: CompanyAdminOptions) {
    const { connection, store, audit, sessions } = options;
    this.guard = new AdminGuard(store);
    this.groupStore = new GroupStore(connection, options.now);
    this.invitations = new Invitations({ connection, ttlSec: options.invitationTtlSec, now: options.now });
    this.auditQueries = new AuditQueries(connection);
    this.users = new UserAdmin({
      guard: this.guard,
      store,
      invitations: this.invitations,
      audit,
      sessions,
      usernameGuard: options.usernameGuard,
      invitationFailures: options.invitationFailures,
    });
    this.groups = new GroupAdmin(this.guard, this.groupStore, audit);
  }

  async ensureIndexes(): Promise<void> {
    await this.groupStore.ensureIndexes();
    await this.invitations.ensureIndexes();
  }

  /** Whether the actor may open the admin pages (an enabled admin of its company, as stored now). */
  async isAdmin(actor: AdminActor): Promise<boolean> {
    try {
      await this.guard.admin(actor);
      return true;
    } catch (error) {
      // Only a refusal means "not an admin"; a store outage must surface as one.
      if (error instanceof WardenError && error.code === 'ERR_FORBIDDEN') return false;
      throw error;
    }
  }

  /** The actor's company's audit trail only, whatever the query names. */
  async audit(actor: AdminActor, query: Omit<AuditQuery, 'company'>): Promise<AuditPage> {
    await this.guard.admin(actor);
    return this.auditQueries.page({ ...query, company: actor.company });
  }
}
