import { Schema, type Connection, type Model } from 'mongoose';
import type { SigningKeyStore, StoredSigningKey } from '@warden/token-issuer';
import type { TokenAlgorithm } from '@warden/tokens';
import { modelOn } from '@warden/backends';
import { SecretSealer } from '@warden/secrets';

interface SigningKeyDoc {
  _id: string;
  alg: TokenAlgorithm;
  /** AES-256-GCM of the PEM: iv.tag.ciphertext, base64url each. */
  private_key: string;
  created: Date;
  retired?: Date;
}

const schema = new Schema<SigningKeyDoc>(
  { _id: String, alg: { type: String, required: true }, private_key: { type: String, required: true }, created: { type: Date, required: true }, retired: Date },
  { collection: 'signing_keys', versionKey: false },
);

/**
 * Gateway signing keys shared by every replica through MongoDB. The private keys are encrypted
 * under a key derived from a gateway secret, so a database dump alone cannot mint tokens.
 */
export class MongoSigningKeyStore implements SigningKeyStore {
  private readonly model: Model<SigningKeyDoc>;
  private readonly sealer: SecretSealer;

  constructor(connection: Connection, secret: string) {
    this.model = modelOn(connection, 'SigningKey', schema);
    this.sealer = new SecretSealer(secret, 'signing-key-encryption');
  }

  async list(): Promise<StoredSigningKey[]> {
    const docs = await this.model.find().lean();
    return docs.map((d) => ({
      kid: d._id,
      alg: d.alg,
      privateKeyPem: this.decrypt(d.private_key, d._id),
      createdAt: d.created,
      retiredAt: d.retired ?? undefined,
    }));
  }

  async add(key: StoredSigningKey): Promise<void> {
    await this.model.create({
      _id: key.kid,
      alg: key.alg,
      private_key: this.encrypt(key.privateKeyPem, key.kid),
      created: key.createdAt,
      retired: key.retiredAt,
    });
  }

  async retire(kid: string, at: Date): Promise<void> {
    await this.model.updateOne({ _id: kid, retired: { $exists: false } }, { $set: { retired: at } });
  }

  async remove(kid: string): Promise<void> {
    await this.model.deleteOne({ _id: kid });
  }

  private encrypt(pem: string, kid: string): string {
    return this.sealer.seal(pem, kid);
  }

  private decrypt(value: string, kid: string): string {
    const pem = this.sealer.open(value, kid);
    if (pem === undefined) throw new Error(`signing key ${kid} cannot be decrypted: secure.auth.token_secret differs from the one it was stored under`);
    return pem;
  }
}
