import { createHash, randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '@warden/backends';
import { WardenError } from '@warden/errors';
import { randomHexId } from './records';
import { folded } from './text-fields';

interface InvitationDoc {
  _id: string;
  company: string;
  user: string;
  email: string;
  email_lower: string;
  /** SHA-256 of the token: the token itself is shown once, to the admin who invites, and never stored. */
  token_hash: string;
  created: Date;
  expires: Date;
  created_by: string;
}

export interface InvitationRecord {
  id: string;
  company: string;
  user: string;
  email: string;
  created: Date;
  expires: Date;
  created_by: string;
}

export interface NewInvitation {
  /** Goes into the link `/invite/<token>`; returned this once. */
  token: string;
  invitation: InvitationRecord;
}

export interface InvitationsOptions {
  connection: Connection;
  ttlSec: number;
  now?: () => Date;
}

const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

const schema = new Schema<InvitationDoc>(
  {
    _id: { type: String, required: true },
    company: { type: String, required: true },
    user: { type: String, required: true, index: true },
    email: { type: String, required: true },
    email_lower: { type: String, required: true },
    token_hash: { type: String, required: true, unique: true },
    created: { type: Date, required: true },
    expires: { type: Date, required: true },
    created_by: { type: String, required: true },
  },
  { versionKey: false, autoIndex: false, autoCreate: false },
);
// Issue 14 lets an invited email enter through SSO: pending invitations are looked up by company and email.
schema.index({ company: 1, email_lower: 1 });

const invalid = () => new WardenError('ERR_INVITATION_INVALID');
const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

function toRecord(doc: InvitationDoc): InvitationRecord {
  return { id: doc._id, company: doc.company, user: doc.user, email: doc.email, created: doc.created, expires: doc.expires, created_by: doc.created_by };
}

/**
 * Single-use, expiring invitation tokens (no mail service runs here: the admin sends the link).
 * Using one deletes its document, and only one caller's delete can succeed, so a token works once
 * even when two requests race (on MongoDB and on FerretDB alike). Expired ones are refused on
 * read (FerretDB has no TTL indexes) and cleared when the company invites again.
 */
export class Invitations {
  private readonly model: Model<InvitationDoc>;
  private readonly ttlMs: number;
  private readonly now: () => Date;

  constructor(options: InvitationsOptions) {
    if (!(options.ttlSec > 0)) throw new Error('Invitations need a positive ttlSec');
    this.model = modelOn(options.connection, 'IdentityInvitation', schema, 'invitations');
    this.ttlMs = options.ttlSec * 1000;
    this.now = options.now ?? (() => new Date());
  }

  async ensureIndexes(): Promise<void> {
    await this.model.createIndexes();
  }

  /** A fresh invitation for the user; any earlier one of the user stops working. */
  async create(input: { company: string; user: string; email: string; createdBy: string }): Promise<NewInvitation> {
    const now = this.now();
    await this.model.deleteMany({ $or: [{ user: input.user }, { company: input.company, expires: { $lte: now } }] });
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const doc: InvitationDoc = {
      _id: randomHexId(),
      company: input.company,
      user: input.user,
      email: input.email,
      email_lower: folded(input.email),
      token_hash: hashOf(token),
      created: now,
      expires: new Date(now.getTime() + this.ttlMs),
      created_by: input.createdBy,
    };
    await this.model.create(doc);
    return { token, invitation: toRecord(doc) };
  }

  /** The live invitation a token names, without using it up; ERR_INVITATION_INVALID otherwise. */
  async peek(token: unknown): Promise<InvitationRecord> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) throw invalid();
    const doc = await this.model.findOne({ token_hash: hashOf(token), expires: { $gt: this.now() } }).lean();
    if (!doc) throw invalid();
    return toRecord(doc);
  }

  /** Uses the token up: exactly one caller gets the invitation, every other one ERR_INVITATION_INVALID. */
  async consume(token: unknown): Promise<InvitationRecord> {
    const invitation = await this.peek(token);
    const result = await this.model.deleteOne({ _id: invitation.id, token_hash: hashOf(token as string) });
    if (result.deletedCount !== 1) throw invalid();
    return invitation;
  }

  /** Live invitations of a company, optionally for one email (case-insensitive). */
  async pending(company: string, email?: string): Promise<InvitationRecord[]> {
    const query = { company, expires: { $gt: this.now() }, ...(email !== undefined && { email_lower: folded(String(email).trim()) }) };
    const docs = await this.model.find(query).sort({ created: 1, _id: 1 }).lean();
    return docs.map(toRecord);
  }

  async revokeForUser(user: string): Promise<number> {
    return (await this.model.deleteMany({ user: String(user) })).deletedCount;
  }
}
