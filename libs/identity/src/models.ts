import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '@warden/backends';
import type { Role, UserRecord } from './types';

export interface CompanyDoc {
  _id: string;
  name: string;
  created: Date;
}

export interface UserDoc {
  _id: string;
  company: string;
  name: string;
  username: string;
  // Uniqueness is case-insensitive; FerretDB has no collations, so the folded form is stored.
  username_lower: string;
  email?: string;
  role: Role;
  enabled: boolean;
  source: UserRecord['source'];
  created: Date;
  password_hash?: string;
  /** Set by an admin's reset: the next password login may only change the password. */
  must_change_password?: boolean;
  /** Tokens of logins at or before this time are refused, for good (set on disable, never lifted). */
  tokens_valid_after?: Date;
}

export interface CredentialDoc {
  _id: string;
  user: string;
  company: string;
  label?: string;
  system?: string;
  secret_hash: string;
  created: Date;
  last_used?: Date;
  last_used_from?: string;
  revoked?: Date;
}

/** A logged-out token family, refused until every token of it has expired. */
export interface RevokedFamilyDoc {
  _id: string;
  until: Date;
}

export interface AuthEventDoc {
  type: string;
  outcome: string;
  at: Date;
  user?: string;
  actor?: string;
  group?: string;
  company?: string;
  access_key?: string;
  username?: string;
  method?: string;
  client_ip?: string;
  reason?: string;
  detail?: string;
}

const options = { versionKey: false, autoIndex: false, autoCreate: false } as const;

const companySchema = new Schema<CompanyDoc>(
  { _id: { type: String, required: true }, name: { type: String, required: true }, created: { type: Date, required: true } },
  options,
);

const userSchema = new Schema<UserDoc>(
  {
    _id: { type: String, required: true },
    company: { type: String, required: true, index: true },
    name: { type: String, required: true },
    username: { type: String, required: true },
    username_lower: { type: String, required: true, unique: true },
    email: String,
    role: { type: String, required: true, enum: ['user', 'admin', 'system'] },
    enabled: { type: Boolean, required: true },
    source: { type: String, required: true, enum: ['local', 'fixed', 'system', 'sso'] },
    created: { type: Date, required: true },
    password_hash: { type: String, select: false },
    must_change_password: Boolean,
    tokens_valid_after: { type: Date, index: true },
  },
  options,
);

const credentialSchema = new Schema<CredentialDoc>(
  {
    _id: { type: String, required: true },
    user: { type: String, required: true, index: true },
    company: { type: String, required: true, index: true },
    label: String,
    system: { type: String, index: true },
    secret_hash: { type: String, required: true, select: false },
    created: { type: Date, required: true },
    last_used: Date,
    last_used_from: String,
    revoked: { type: Date, index: true },
  },
  options,
);

const revokedFamilySchema = new Schema<RevokedFamilyDoc>(
  { _id: { type: String, required: true }, until: { type: Date, required: true, index: true } },
  options,
);

const authEventSchema = new Schema<AuthEventDoc>(
  {
    type: { type: String, required: true },
    outcome: { type: String, required: true },
    at: { type: Date, required: true },
    user: String,
    actor: String,
    group: String,
    company: String,
    access_key: String,
    username: String,
    method: String,
    client_ip: String,
    reason: String,
    detail: String,
  },
  options,
);
authEventSchema.index({ company: 1, at: -1 });
authEventSchema.index({ user: 1, at: -1 });
authEventSchema.index({ actor: 1, at: -1 });

export interface IdentityModels {
  companies: Model<CompanyDoc>;
  users: Model<UserDoc>;
  credentials: Model<CredentialDoc>;
  authEvents: Model<AuthEventDoc>;
  revokedFamilies: Model<RevokedFamilyDoc>;
}

export function identityModels(connection: Connection): IdentityModels {
  return {
    companies: modelOn(connection, 'IdentityCompany', companySchema, 'companies'),
    users: modelOn(connection, 'IdentityUser', userSchema, 'users'),
    credentials: modelOn(connection, 'IdentityCredential', credentialSchema, 'credentials'),
    authEvents: modelOn(connection, 'IdentityAuthEvent', authEventSchema, 'auth_events'),
    revokedFamilies: modelOn(connection, 'IdentityRevokedFamily', revokedFamilySchema, 'revoked_families'),
  };
}
