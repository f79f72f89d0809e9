import type { Connection } from 'mongoose';
import { WardenError } from '@warden/errors';
import { groupModels, type GroupDoc, type GroupModels } from './group-models';
import { identityModels, type IdentityModels } from './models';
import { isDuplicateKey, randomHexId } from './records';
import { folded, textField } from './text-fields';

export interface GroupSummary {
  id: string;
  name: string;
}

export interface GroupRecord extends GroupSummary {
  company: string;
  created: Date;
  /** User ids, in the order they were added. */
  members: string[];
}

export interface MembershipChange {
  added: string[];
  removed: string[];
}

const MAX_NAMES_LOOKUP = 1000;

const groupNotFound = () => new WardenError('ERR_NOT_FOUND', 'group not found');
const summary = (doc: GroupDoc): GroupSummary => ({ id: doc._id, name: doc.name });

/**
 * Groups of users, per company, with names unique per company regardless of case. Every method
 * takes the company it acts in: a group or user of another company is answered like a missing one.
 * Without transactions a group is deleted before its memberships, and every read joins memberships
 * to existing groups, so a deletion cut short leaves nothing visible behind.
 */
export class GroupStore {
  private readonly models: GroupModels;
  private readonly identity: IdentityModels;

  constructor(
    connection: Connection,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.models = groupModels(connection);
    this.identity = identityModels(connection);
  }

  async ensureIndexes(): Promise<void> {
    await this.models.groups.createIndexes();
    await this.models.members.createIndexes();
  }

  async create(company: string, name: unknown): Promise<GroupRecord> {
    const text = textField('group', name);
    const doc: GroupDoc = { _id: randomHexId(), company, name: text, name_lower: folded(text), created: this.now() };
    try {
      await this.models.groups.create(doc);
    } catch (error) {
      throw isDuplicateKey(error) ? groupExists() : error;
    }
    return { ...summary(doc), company, created: doc.created, members: [] };
  }

  async rename(company: string, groupId: string, name: unknown): Promise<GroupRecord> {
    const text = textField('group', name);
    const existing = await this.group(company, groupId);
    const clash = () => this.models.groups.exists({ company, name_lower: folded(text), _id: { $ne: existing._id } });
    if (await clash()) throw groupExists();
    try {
      await this.models.groups.updateOne({ _id: existing._id, company }, { $set: { name: text, name_lower: folded(text) } });
    } catch (error) {
      // A rename that lost a race to the same name: MongoDB says duplicate key, FerretDB has no such code for updates.
      if (isDuplicateKey(error) || (await clash())) throw groupExists();
      throw error;
    }
    return this.record({ ...existing, name: text, name_lower: folded(text) });
  }

  async delete(company: string, groupId: string): Promise<GroupRecord> {
    const existing = await this.group(company, groupId);
    const record = await this.record(existing);
    await this.models.groups.deleteOne({ _id: existing._id, company });
    await this.models.members.deleteMany({ group: existing._id });
    return record;
  }

  async get(company: string, groupId: string): Promise<GroupRecord | null> {
    const doc = await this.findGroup(company, groupId);
    return doc ? this.record(doc) : null;
  }

  /** Every group of the company by name, with its members. */
  async list(company: string): Promise<GroupRecord[]> {
    const groups = await this.models.groups.find({ company }).sort({ name_lower: 1, _id: 1 }).lean();
    if (groups.length === 0) return [];
    const members = await this.models.members.find({ company }).sort({ added: 1, _id: 1 }).lean();
    const byGroup = new Map(groups.map((g) => [g._id, [] as string[]]));
    for (const m of members) byGroup.get(m.group)?.push(m.user);
    return groups.map((g) => ({ ...summary(g), company, created: g.created, members: byGroup.get(g._id) ?? [] }));
  }

  /** Whether the user was added (false: it already was a member). */
  async addMember(company: string, groupId: string, userId: string): Promise<boolean> {
    const group = await this.group(company, groupId);
    await this.assertMember(company, userId);
    try {
      await this.models.members.create({ _id: `${group._id}:${userId}`, group: group._id, user: userId, company, added: this.now() });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Whether the user was removed (false: it was not a member). */
  async removeMember(company: string, groupId: string, userId: string): Promise<boolean> {
    const group = await this.group(company, groupId);
    const result = await this.models.members.deleteOne({ _id: `${group._id}:${String(userId)}`, company });
    return result.deletedCount > 0;
  }

  /** The groups the user is a member of, by name. */
  async groupsOf(company: string, userId: string): Promise<GroupSummary[]> {
    const memberships = await this.models.members.find({ company, user: String(userId) }).lean();
    if (memberships.length === 0) return [];
    const groups = await this.models.groups
      .find({ company, _id: { $in: memberships.map((m) => m.group) } })
      .sort({ name_lower: 1, _id: 1 })
      .lean();
    return groups.map(summary);
  }

  /** The company's groups whose names match any of these, case-insensitively (for SSO group claims). */
  async findByNames(company: string, names: readonly string[]): Promise<GroupSummary[]> {
    const wanted = [...new Set(names.filter((n): n is string => typeof n === 'string').map((n) => folded(n.trim())))].filter(Boolean);
    if (wanted.length === 0) return [];
    if (wanted.length > MAX_NAMES_LOOKUP) throw new WardenError('ERR_BAD_REQUEST', `at most ${MAX_NAMES_LOOKUP} group names at once`, { field: 'groups' });
    const groups = await this.models.groups
      .find({ company, name_lower: { $in: wanted } })
      .sort({ name_lower: 1 })
      .lean();
    return groups.map(summary);
  }

  /**
   * Makes the user a member of exactly these groups of the company (SSO group sync). With `within`,
   * only memberships of those groups are touched, so groups an admin manages by hand can be left alone.
   */
  async setMemberships(company: string, userId: string, groupIds: readonly string[], within?: readonly string[]): Promise<MembershipChange> {
    await this.assertMember(company, userId);
    const wanted = new Set(groupIds);
    const scope = within ? new Set([...within, ...wanted]) : undefined;
    const known = await this.models.groups.find({ company, _id: { $in: [...wanted] } }).lean();
    if (known.length !== wanted.size) throw groupNotFound();
    const current = new Set((await this.groupsOf(company, userId)).map((g) => g.id));
    const added: string[] = [];
    const removed: string[] = [];
    for (const id of wanted) if (!current.has(id) && (await this.addMember(company, id, userId))) added.push(id);
    for (const id of current) {
      if (wanted.has(id) || (scope && !scope.has(id))) continue;
      if (await this.removeMember(company, id, userId)) removed.push(id);
    }
    return { added, removed };
  }

  private async findGroup(company: string, groupId: string): Promise<GroupDoc | null> {
    if (typeof groupId !== 'string' || !groupId) return null;
    return this.models.groups.findOne({ _id: groupId, company }).lean();
  }

  private async group(company: string, groupId: string): Promise<GroupDoc> {
    const doc = await this.findGroup(company, groupId);
    if (!doc) throw groupNotFound();
    return doc;
  }

  private async record(doc: GroupDoc): Promise<GroupRecord> {
    const members = await this.models.members.find({ group: doc._id, company: doc.company }).sort({ added: 1, _id: 1 }).lean();
    return { ...summary(doc), company: doc.company, created: doc.created, members: members.map((m) => m.user) };
  }

  // Another company's user is answered like a missing one.
  private async assertMember(company: string, userId: string): Promise<void> {
    const user = typeof userId === 'string' && userId ? await this.identity.users.findOne({ _id: userId, company }).lean() : null;
    if (!user || user.role === 'system' || user.source === 'system') throw new WardenError('ERR_INVALID_USER', 'user not found');
  }
}

function groupExists(): WardenError {
  return new WardenError('ERR_GROUP_EXISTS');
}
