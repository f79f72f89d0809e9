import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '@warden/backends';

export interface GroupDoc {
  _id: string;
  company: string;
  name: string;
  /** Unique per company: names are compared case-insensitively (FerretDB has no collations). */
  name_lower: string;
  created: Date;
}

/**
 * One document per membership rather than a members array on the group: adding and removing are
 * single-document inserts and deletes, which FerretDB applies safely when admins act at once (it
 * may lose one of two concurrent updates of one document), and a user's groups are one query.
 */
export interface GroupMemberDoc {
  /** `<group>:<user>`, so adding a member twice is a duplicate key, not a second row. */
  _id: string;
  group: string;
  user: string;
  company: string;
  added: Date;
}

const options = { versionKey: false, autoIndex: false, autoCreate: false } as const;

const groupSchema = new Schema<GroupDoc>(
  {
    _id: { type: String, required: true },
    company: { type: String, required: true },
    name: { type: String, required: true },
    name_lower: { type: String, required: true },
    created: { type: Date, required: true },
  },
  options,
);
groupSchema.index({ company: 1, name_lower: 1 }, { unique: true });

const memberSchema = new Schema<GroupMemberDoc>(
  {
    _id: { type: String, required: true },
    group: { type: String, required: true, index: true },
    user: { type: String, required: true },
    company: { type: String, required: true },
    added: { type: Date, required: true },
  },
  options,
);
// A user's groups, and a company's memberships in one read.
memberSchema.index({ company: 1, user: 1 });

export interface GroupModels {
  groups: Model<GroupDoc>;
  members: Model<GroupMemberDoc>;
}

export function groupModels(connection: Connection): GroupModels {
  return {
    groups: modelOn(connection, 'IdentityGroup', groupSchema, 'groups'),
    members: modelOn(connection, 'IdentityGroupMember', memberSchema, 'group_members'),
  };
}
