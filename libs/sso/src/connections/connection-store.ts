import { randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '@warden/backends';
import { WardenError } from '@warden/errors';
import type { SecretSealer } from '@warden/secrets';
import type { OidcConfig, Protocol, SamlConfig } from './connection-fields';
import type { IdpMetadata } from './idp-metadata';

/** A connection as stored: the configuration in the clear, the write-only parts sealed. */
export interface ConnectionDoc {
  _id: string;
  company: string;
  protocol: Protocol;
  provider: string;
  display_name: string;
  /** The display name folded for the per-company uniqueness index. */
  name_key: string;
  active: boolean;
  config: OidcConfig | SamlConfig;
  /** OIDC: the client secret; SAML: the request-signing private key. Sealed, bound to the id. */
  sealed_secret?: string;
  /** SAML: what the uploaded IdP metadata says (the file itself is not kept). */
  idp?: IdpMetadata;
  created: Date;
  created_by: string;
  last_update: Date;
}

const schema = new Schema<ConnectionDoc>(
  {
    _id: { type: String, required: true },
    company: { type: String, required: true },
    protocol: { type: String, required: true },
    provider: { type: String, required: true },
    display_name: { type: String, required: true },
    name_key: { type: String, required: true },
    active: { type: Boolean, required: true },
    config: { type: Schema.Types.Mixed, required: true },
    sealed_secret: String,
    idp: Schema.Types.Mixed,
    created: { type: Date, required: true },
    created_by: { type: String, required: true },
    last_update: { type: Date, required: true },
  },
  { versionKey: false, autoIndex: false, autoCreate: false, minimize: false },
);
schema.index({ company: 1, name_key: 1 }, { unique: true });

export const nameKey = (name: string) => name.normalize('NFKC').trim().toLowerCase();
const isDuplicateKey = (error: unknown) => (error as { code?: unknown })?.code === 11000;
const nameTaken = (name: string) => new WardenError('ERR_IDP_NAME_TAKEN', `another connection of this company is named '${name}': choose another display name`);

/** Identity-provider connections per company in MongoDB; every read is scoped to one company. */
export class ConnectionStore {
  private readonly model: Model<ConnectionDoc>;

  constructor(
    connection: Connection,
    private readonly sealer: SecretSealer,
  ) {
    this.model = modelOn(connection, 'IdpConnection', schema, 'idp_connections');
  }

  ensureIndexes(): Promise<void> {
    return this.model.createIndexes();
  }

  newId(): string {
    return randomBytes(16).toString('hex');
  }

  seal(id: string, secret: string): string {
    return this.sealer.seal(secret, id);
  }

  /** The plain secret, for the sign-in code only; never for an answer. */
  openSecret(doc: ConnectionDoc): string | undefined {
    if (!doc.sealed_secret) return undefined;
    const plain = this.sealer.open(doc.sealed_secret, doc._id);
    if (plain === undefined) throw new Error(`identity-provider connection ${doc._id}: its secret does not open (secure.auth.token_secret changed?)`);
    return plain;
  }

  list(company: string): Promise<ConnectionDoc[]> {
    return this.model.find({ company }).sort({ created: 1 }).lean<ConnectionDoc[]>();
  }

  listActive(): Promise<ConnectionDoc[]> {
    return this.model.find({ active: true }).sort({ created: 1 }).lean<ConnectionDoc[]>();
  }

  /** A connection by id whatever its company: for the sign-in routes, which the id alone addresses. */
  async byId(id: string): Promise<ConnectionDoc> {
    const doc = /^[0-9a-f]{32}$/.test(id) ? await this.model.findById(id).lean<ConnectionDoc>() : null;
    if (!doc) throw new WardenError('ERR_IDP_CONNECTION_UNKNOWN');
    return doc;
  }

  async get(company: string, id: unknown): Promise<ConnectionDoc> {
    const doc = typeof id === 'string' && /^[0-9a-f]{32}$/.test(id) ? await this.model.findOne({ _id: id, company }).lean<ConnectionDoc>() : null;
    if (!doc) throw new WardenError('ERR_IDP_CONNECTION_UNKNOWN');
    return doc;
  }

  async create(doc: ConnectionDoc): Promise<void> {
    // The index is the rule; the look-up first gives the clear error where FerretDB lacks the index.
    if (await this.model.exists({ company: doc.company, name_key: doc.name_key })) throw nameTaken(doc.display_name);
    try {
      await this.model.create(doc);
    } catch (error) {
      if (isDuplicateKey(error)) throw nameTaken(doc.display_name);
      throw error;
    }
  }

  async replace(doc: ConnectionDoc): Promise<void> {
    if (await this.model.exists({ company: doc.company, name_key: doc.name_key, _id: { $ne: doc._id } })) throw nameTaken(doc.display_name);
    try {
      const result = await this.model.replaceOne({ _id: doc._id, company: doc.company }, doc);
      if (result.matchedCount === 0) throw new WardenError('ERR_IDP_CONNECTION_UNKNOWN');
    } catch (error) {
      if (isDuplicateKey(error)) throw nameTaken(doc.display_name);
      throw error;
    }
  }

  async setActive(company: string, id: string, active: boolean): Promise<void> {
    const result = await this.model.updateOne({ _id: id, company }, { $set: { active, last_update: new Date() } });
    if (result.matchedCount === 0) throw new WardenError('ERR_IDP_CONNECTION_UNKNOWN');
  }

  async remove(company: string, id: string): Promise<void> {
    const result = await this.model.deleteOne({ _id: id, company });
    if (result.deletedCount === 0) throw new WardenError('ERR_IDP_CONNECTION_UNKNOWN');
  }
}
