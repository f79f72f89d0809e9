import type { AdminActor, AdminGuard } from './admin-guard';
import type { AuditTrail, AuditEventType } from './audit-trail';
import type { GroupRecord, GroupStore } from './groups';

/** The company admin's group operations: each checks the actor and writes the audit trail. */
export class GroupAdmin {
  constructor(
    private readonly guard: AdminGuard,
    private readonly groups: GroupStore,
    private readonly audit: AuditTrail,
  ) {}

  async list(actor: AdminActor): Promise<GroupRecord[]> {
    await this.guard.admin(actor);
    return this.groups.list(actor.company);
  }

  async create(actor: AdminActor, name: unknown): Promise<GroupRecord> {
    await this.guard.admin(actor);
    const group = await this.groups.create(actor.company, name);
    this.record(actor, 'group.create', group.id, { detail: group.name });
    return group;
  }

  async rename(actor: AdminActor, groupId: string, name: unknown): Promise<GroupRecord> {
    await this.guard.admin(actor);
    const group = await this.groups.rename(actor.company, groupId, name);
    this.record(actor, 'group.rename', group.id, { detail: group.name });
    return group;
  }

  async delete(actor: AdminActor, groupId: string): Promise<GroupRecord> {
    await this.guard.admin(actor);
    const group = await this.groups.delete(actor.company, groupId);
    this.record(actor, 'group.delete', group.id, { detail: group.name });
    return group;
  }

  async addMember(actor: AdminActor, groupId: string, userId: string): Promise<boolean> {
    await this.guard.admin(actor);
    const added = await this.groups.addMember(actor.company, groupId, userId);
    if (added) this.record(actor, 'group.member.add', groupId, { user: userId });
    return added;
  }

  async removeMember(actor: AdminActor, groupId: string, userId: string): Promise<boolean> {
    await this.guard.admin(actor);
    const removed = await this.groups.removeMember(actor.company, groupId, userId);
    if (removed) this.record(actor, 'group.member.remove', groupId, { user: userId });
    return removed;
  }

  private record(actor: AdminActor, type: AuditEventType, group: string, extra: { user?: string; detail?: string }): void {
    this.audit.record({ type, outcome: 'success', actor: actor.user, company: actor.company, group, client_ip: actor.clientIp, ...extra });
  }
}
