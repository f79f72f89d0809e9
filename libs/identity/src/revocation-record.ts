import type { Connection } from 'mongoose';
import { WardenError } from '@warden/errors';
import type { Revocation, RevocationRecord } from '@warden/tokens';
import { identityModels, type IdentityModels } from './models';

export interface MongoRevocationRecordOptions {
  connection: Connection;
  /** How long after a login a token of it may still be accepted: the longest token lifetime plus leeway. */
  horizonSec: number;
}

const toDate = (sec: number): Date => new Date(sec * 1000);
const toSec = (date: Date): number => Math.floor(date.getTime() / 1000);

/**
 * The record of revocations in MongoDB, where each already has a home: a family in
 * `revoked_families`, a key's `revoked` date on its credential, a user's `tokens_valid_after`.
 * Writes only move times forward, so no write can lift a revocation.
 */
export class MongoRevocationRecord implements RevocationRecord {
  private readonly models: IdentityModels;
  private readonly horizonSec: number;

  constructor(options: MongoRevocationRecordOptions) {
    this.models = identityModels(options.connection);
    this.horizonSec = options.horizonSec;
  }

  async save(revocation: Revocation): Promise<void> {
    const { kind, id } = revocation;
    if (kind === 'family') {
      await this.models.revokedFamilies.updateOne({ _id: id }, { $max: { until: toDate(revocation.until) } }, { upsert: true });
      return;
    }
    const result =
      kind === 'user'
        ? await this.models.users.updateOne({ _id: id }, { $max: { tokens_valid_after: toDate(revocation.value) } })
        : // A key revoked earlier keeps its first date; its tokens are refused either way.
          await this.models.credentials.updateOne({ _id: id, revoked: { $exists: false } }, { $set: { revoked: toDate(revocation.value) } });
    if (result.matchedCount > 0) return;
    if (kind === 'user' || !(await this.models.credentials.exists({ _id: id }))) throw new WardenError('ERR_NOT_FOUND', `${kind} not found`);
  }

  async live(nowSec: number): Promise<Revocation[]> {
    const now = toDate(nowSec);
    const since = toDate(nowSec - this.horizonSec);
    await this.models.revokedFamilies.deleteMany({ until: { $lte: now } });
    const [families, users, credentials] = await Promise.all([
      this.models.revokedFamilies.find({ until: { $gt: now } }).lean(),
      this.models.users
        .find({ tokens_valid_after: { $gt: since } })
        .select('tokens_valid_after')
        .lean(),
      this.models.credentials
        .find({ revoked: { $gt: since } })
        .select('revoked')
        .lean(),
    ]);
    const upTo = (kind: 'user' | 'credential', id: string, at: Date): Revocation => ({ kind, id, value: toSec(at), until: toSec(at) + this.horizonSec });
    return [
      ...families.map((f): Revocation => ({ kind: 'family', id: f._id, value: toSec(f.until), until: toSec(f.until) })),
      ...users.map((u) => upTo('user', u._id, u.tokens_valid_after!)),
      ...credentials.map((c) => upTo('credential', c._id, c.revoked!)),
    ];
  }
}
