import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Connection, FilterQuery } from 'mongoose';
import { WardenError } from '@warden/errors';
import { generateKey, generateSecret } from '@warden/secrets';
import { LastUsedBatcher } from './last-used-batcher';
import { identityModels, type CredentialDoc, type IdentityModels, type UserDoc } from './models';
import { hashPassword, verifyPassword } from './password-hash';
import { PasswordPolicy, type PasswordPolicySettings } from './password-policy';
import { isDuplicateKey, randomHexId, toCompany, toCredential, toUser } from './records';
import { TtlCache } from './ttl-cache';
import type { CompanyRecord, CredentialRecord, NewCredentials, UserInput, UserRecord } from './types';

export interface IdentityStoreOptions {
  connection: Connection;
  /** Keys the HMAC under which API secrets are stored, so a database dump alone cannot verify guesses. */
  credentialPepper: string;
  cacheTtlMs?: number;
  /** Rules for every password set through the store (defaults: DEFAULT_PASSWORD_POLICY). */
  passwordPolicy?: PasswordPolicySettings;
  now?: () => Date;
  /** Background failures (the batched last_used writes); nothing secret is ever passed. */
  onError?: (error: unknown) => void;
}

export type SystemCredentialName = 'apiserver' | 'fileserver' | 'webserver' | 'tests';

export interface SystemCredentialsInput {
  companyId: string;
  companyName: string;
  credentials: { name: SystemCredentialName; accessKey: string; secretKey: string }[];
  /** Names to revoke, e.g. webserver and tests when web login is on. */
  revoke: string[];
}

interface CachedCredential {
  credential: CredentialRecord;
  secretHash: Buffer;
  /** Read only once a caller proved the secret, so a wrong secret costs what an unknown key does. */
  owner?: Promise<UserRecord | null>;
}

const DEFAULT_CACHE_TTL_MS = 2000;
const CACHE_MAX_ENTRIES = 10_000;
const LAST_USED_FLUSH_MS = 1000;
const MAX_USERNAME_LENGTH = 256;
const SYSTEM_USERNAME_PREFIX = '__';

const invalidCredentials = () => new WardenError('ERR_INVALID_CREDENTIALS');

export class IdentityStore {
  private readonly models: IdentityModels;
  private readonly pepper: string;
  private readonly now: () => Date;
  readonly passwordPolicy: PasswordPolicy;
  // Unknown keys are cached too (as null): a key that exists must not answer faster than one that does not.
  private readonly cache: TtlCache<string, CachedCredential | null>;
  private readonly inflight = new Map<string, Promise<CachedCredential | null>>();
  // Bumped on every revocation, so a lookup that started before it cannot re-cache stale state.
  private generation = 0;
  private readonly cacheTtlMs: number;
  // Users and keys another replica revoked, until when their lookups are not cached (see forgetCached).
  private readonly uncachedUntil = new Map<string, number>();
  private readonly lastUsed: LastUsedBatcher;
  // Compared against when the access key is unknown, so both cases cost the same.
  private readonly decoySecretHash: Buffer;
  private decoyPasswordHash: Promise<string> | undefined;

  constructor(options: IdentityStoreOptions) {
    if (!options.credentialPepper) throw new Error('IdentityStore needs a credentialPepper');
    this.models = identityModels(options.connection);
    this.pepper = options.credentialPepper;
    this.now = options.now ?? (() => new Date());
    this.passwordPolicy = new PasswordPolicy(options.passwordPolicy);
    this.cacheTtlMs = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    this.cache = new TtlCache(this.cacheTtlMs, CACHE_MAX_ENTRIES);
    this.lastUsed = new LastUsedBatcher(this.models.credentials, LAST_USED_FLUSH_MS, options.onError ?? (() => undefined));
    this.decoySecretHash = this.secretHash(randomBytes(32).toString('hex'));
  }

  async ensureIndexes(): Promise<void> {
    for (const model of Object.values(this.models)) await model.createIndexes();
  }

  // ---- companies and users

  async ensureCompany(input: { id?: string; name: string }): Promise<CompanyRecord> {
    const id = input.id ?? randomHexId();
    const existing = await this.models.companies.findById(id).lean();
    if (existing) {
      if (existing.name === input.name) return toCompany(existing);
      await this.models.companies.updateOne({ _id: id }, { $set: { name: input.name } });
      return toCompany({ ...existing, name: input.name });
    }
    try {
      return toCompany((await this.models.companies.create({ _id: id, name: input.name, created: this.now() })).toObject());
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return this.ensureCompany({ id, name: input.name });
    }
  }

  async getCompany(id: string): Promise<CompanyRecord | null> {
    const doc = await this.models.companies.findById(id).lean();
    return doc ? toCompany(doc) : null;
  }

  async createUser(input: UserInput): Promise<UserRecord> {
    const username = validUsername(input.username, input.source);
    const companyName = await this.companyName(input.company);
    const doc: UserDoc = {
      _id: input.id ?? randomHexId(),
      company: input.company,
      name: input.name ?? username,
      username,
      username_lower: username.toLowerCase(),
      ...(input.email !== undefined && { email: input.email }),
      role: input.role ?? 'user',
      enabled: true,
      source: input.source ?? 'local',
      created: this.now(),
    };
    if (input.password !== undefined) doc.password_hash = await hashPassword(await this.passwordPolicy.assert(input.password, username));
    try {
      await this.models.users.create(doc);
    } catch (error) {
      // Usernames are unique across companies: the answer says "taken", never where.
      if (isDuplicateKey(error)) throw new WardenError('ERR_USERNAME_TAKEN');
      throw error;
    }
    return toUser(doc, companyName);
  }

  /** Idempotent by username: updates name, role and source of an existing user, never its password. */
  async ensureUser(input: UserInput): Promise<UserRecord> {
    const username = validUsername(input.username, input.source);
    const existing = await this.models.users.findOne({ username_lower: username.toLowerCase() }).lean();
    if (!existing) {
      try {
        return await this.createUser(input);
      } catch (error) {
        // Another replica created it first; fall through to the update on the next pass.
        if (!(error instanceof WardenError && error.code === 'ERR_USERNAME_TAKEN')) throw error;
        const raced = await this.models.users.findOne({ username_lower: username.toLowerCase() }).lean();
        if (!raced) throw error;
        return this.updateUserProfile(raced, input);
      }
    }
    return this.updateUserProfile(existing, input);
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const doc = await this.models.users.findById(id).lean();
    return doc ? toUser(doc, await this.companyName(doc.company)) : null;
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    if (typeof username !== 'string' || !username) return null;
    const doc = await this.models.users.findOne({ username_lower: username.trim().toLowerCase() }).lean();
    return doc ? toUser(doc, await this.companyName(doc.company)) : null;
  }

  /** Users whose stored email is this one, compared case-insensitively (emails are not unique). */
  async findUsersByEmail(email: string): Promise<UserRecord[]> {
    if (typeof email !== 'string' || !email.includes('@')) return [];
    const pattern = new RegExp(`^${email.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i');
    const docs = await this.models.users.find({ email: pattern }).limit(2).lean();
    return Promise.all(docs.map(async (doc) => toUser(doc, await this.companyName(doc.company))));
  }

  /** The company of the account a login id names (an access key or a username), for auditing refused logins. */
  async companyOfLogin(id: string): Promise<string | undefined> {
    if (typeof id !== 'string' || !id) return undefined;
    // Both look-ups for every id: the refused login's answer is already on its way, but a query
    // run only for unknown keys would still load the database while it travels, and the
    // difference showed in the caller's timing (1–4 ms, more under load).
    const [key, user] = await Promise.all([this.lookup(id), this.models.users.findOne({ username_lower: id.trim().toLowerCase() }, { company: 1 }).lean()]);
    return key?.credential.company ?? user?.company;
  }

  async listUsers(company: string): Promise<UserRecord[]> {
    const docs = await this.models.users.find({ company }).sort({ username_lower: 1 }).lean();
    if (docs.length === 0) return [];
    const companyName = await this.companyName(company);
    return docs.map((doc) => toUser(doc, companyName));
  }

  async setUserRole(id: string, role: 'user' | 'admin'): Promise<UserRecord> {
    const result = await this.models.users.updateOne({ _id: id, role: { $ne: 'system' } }, { $set: { role } });
    const doc = result.matchedCount > 0 ? await this.models.users.findById(id).lean() : null;
    if (!doc) throw new WardenError('ERR_NOT_FOUND', 'user not found');
    // Logins with the user's API keys read the role from the cached owner.
    this.forget((entry) => entry.credential.user === id);
    return toUser(doc, await this.companyName(doc.company));
  }

  /** The company's enabled admins: the last one may not be disabled or demoted. */
  async countEnabledAdmins(company: string): Promise<number> {
    return this.models.users.countDocuments({ company, role: 'admin', enabled: true });
  }

  async setUserEnabled(id: string, enabled: boolean): Promise<UserRecord> {
    // FerretDB's findAndModify rejects projections, and select:false fields make one.
    const result = await this.models.users.updateOne({ _id: id }, { $set: { enabled } });
    const doc = result.matchedCount > 0 ? await this.models.users.findById(id).lean() : null;
    if (!doc) throw new WardenError('ERR_NOT_FOUND', 'user not found');
    this.forget((entry) => entry.credential.user === id);
    return toUser(doc, await this.companyName(doc.company));
  }

  /**
   * Sets a password that passes the policy. mustChange (an admin's reset) restricts the next
   * password login to changing it; any other set clears that.
   */
  async setPassword(id: string, password: string, options: { mustChange?: boolean } = {}): Promise<void> {
    const user = await this.models.users.findById(id).lean();
    if (!user) throw new WardenError('ERR_NOT_FOUND', 'user not found');
    const passwordHash = await hashPassword(await this.passwordPolicy.assert(password, user.username));
    const update = options.mustChange
      ? { $set: { password_hash: passwordHash, must_change_password: true } }
      : { $set: { password_hash: passwordHash }, $unset: { must_change_password: 1 } };
    const result = await this.models.users.updateOne({ _id: id }, update);
    if (result.matchedCount === 0) throw new WardenError('ERR_NOT_FOUND', 'user not found');
    this.forget((entry) => entry.credential.user === id);
  }

  /** Whether the user's stored password is this one; a user without one costs the same as a wrong guess. */
  async verifyUserPassword(id: string, password: string): Promise<boolean> {
    const doc = await this.models.users.findById(id).select('+password_hash').lean();
    const stored = doc?.password_hash ?? (await this.decoyPassword());
    const ok = typeof password === 'string' && (await verifyPassword(password, stored));
    return ok && doc?.password_hash !== undefined;
  }

  /** Unknown user and wrong password look the same, in answer and in time. */
  async authenticatePassword(username: string, password: string): Promise<UserRecord> {
    const doc =
      typeof username === 'string' && username
        ? await this.models.users.findOne({ username_lower: username.trim().toLowerCase() }).select('+password_hash').lean()
        : null;
    const stored = doc?.password_hash ?? (await this.decoyPassword());
    const ok = typeof password === 'string' && (await verifyPassword(password, stored));
    if (!ok || !doc?.password_hash) throw invalidCredentials();
    if (!doc.enabled) throw new WardenError('ERR_USER_DISABLED');
    return toUser(doc, await this.companyName(doc.company));
  }

  // ---- API credentials

  async createCredentials(userId: string, input: { label?: string; system?: string; accessKey?: string; secretKey?: string } = {}): Promise<NewCredentials> {
    const user = await this.models.users.findById(userId).lean();
    if (!user) throw new WardenError('ERR_NOT_FOUND', 'user not found');
    const accessKey = input.accessKey ?? generateKey();
    const secretKey = input.secretKey ?? generateSecret();
    const doc: CredentialDoc = {
      _id: accessKey,
      user: user._id,
      company: user.company,
      ...(input.label !== undefined && { label: input.label }),
      ...(input.system !== undefined && { system: input.system }),
      secret_hash: this.secretHash(secretKey).toString('hex'),
      created: this.now(),
    };
    try {
      await this.models.credentials.create(doc);
    } catch (error) {
      if (isDuplicateKey(error)) throw new WardenError('ERR_BAD_REQUEST', 'credentials with this access key already exist');
      throw error;
    }
    this.cache.delete(accessKey);
    return { access_key: accessKey, secret_key: secretKey, record: toCredential(doc) };
  }

  async authenticateCredentials(
    accessKey: string,
    secretKey: string,
    context: { clientIp?: string } = {},
  ): Promise<{ user: UserRecord; credential: CredentialRecord }> {
    if (typeof accessKey !== 'string' || typeof secretKey !== 'string' || !accessKey) throw invalidCredentials();
    // Known key with a wrong secret and unknown key do the same work: one lookup (cached either
    // way), one HMAC, one constant-time comparison; the owner is read only after the proof.
    const entry = await this.lookup(accessKey);
    const matches = timingSafeEqual(this.secretHash(secretKey), entry?.secretHash ?? this.decoySecretHash);
    if (!entry || !matches) throw invalidCredentials();
    // Revocation and disabling are only told to a caller who proved the secret.
    if (entry.credential.revoked) throw new WardenError('ERR_CREDENTIALS_REVOKED');
    const user = await this.ownerOf(entry);
    if (!user) throw invalidCredentials();
    if (!user.enabled) throw new WardenError('ERR_USER_DISABLED');
    const use = { at: this.now(), ...(context.clientIp && { from: context.clientIp }) };
    this.lastUsed.note(accessKey, use);
    const credential = { ...entry.credential, last_used: use.at };
    if (use.from) credential.last_used_from = use.from;
    else delete credential.last_used_from;
    return { user: { ...user }, credential };
  }

  /** Whether a login id names stored API credentials (revoked ones included); as cheap for either answer. */
  async isAccessKey(id: string): Promise<boolean> {
    if (typeof id !== 'string' || !id) return false;
    return (await this.lookup(id)) !== null;
  }

  async getCredential(accessKey: string): Promise<CredentialRecord | null> {
    const doc = await this.models.credentials.findById(accessKey).lean();
    return doc ? toCredential(doc) : null;
  }

  async listCredentials(filter: { user?: string; company?: string }): Promise<CredentialRecord[]> {
    if (filter.user === undefined && filter.company === undefined) {
      throw new WardenError('ERR_BAD_REQUEST', 'listCredentials needs a user or a company');
    }
    const query: FilterQuery<CredentialDoc> = {};
    if (filter.user !== undefined) query.user = filter.user;
    if (filter.company !== undefined) query.company = filter.company;
    const docs = await this.models.credentials.find(query).sort({ created: 1 }).lean();
    return docs.map(toCredential);
  }

  async editCredentials(accessKey: string, changes: { label?: string }): Promise<CredentialRecord> {
    if (changes.label !== undefined) await this.models.credentials.updateOne({ _id: accessKey }, { $set: { label: changes.label } });
    const doc = await this.models.credentials.findById(accessKey).lean();
    if (!doc) throw new WardenError('ERR_NOT_FOUND', 'credentials not found');
    this.cache.delete(accessKey);
    return toCredential(doc);
  }

  /** System credentials follow the configuration, so only bootstrapSystemCredentials revokes them. */
  async revokeCredentials(accessKey: string): Promise<CredentialRecord> {
    const doc = await this.models.credentials.findById(accessKey).lean();
    if (!doc) throw new WardenError('ERR_NOT_FOUND', 'credentials not found');
    if (doc.system !== undefined) throw new WardenError('ERR_FORBIDDEN', 'system credentials follow the server configuration');
    if (doc.revoked) return toCredential(doc);
    const revoked = this.now();
    await this.models.credentials.updateOne({ _id: accessKey, revoked: { $exists: false } }, { $set: { revoked } });
    this.forget((entry) => entry.credential.access_key === accessKey);
    return toCredential({ ...doc, revoked });
  }

  /**
   * Makes the stored system users and credentials match the configuration. Safe to run on every
   * start of every replica: each step is an idempotent upsert, and a lost creation race is
   * answered by reading what the other replica wrote. Other replicas' caches catch up within
   * cacheTtlMs.
   */
  async bootstrapSystemCredentials(input: SystemCredentialsInput): Promise<{ active: string[]; revoked: string[] }> {
    await this.ensureCompany({ id: input.companyId, name: input.companyName });
    const toRevoke = new Set(input.revoke);
    const active: string[] = [];
    const revoked: string[] = [];
    for (const configured of input.credentials) {
      const user = await this.ensureUser({
        company: input.companyId,
        username: `${SYSTEM_USERNAME_PREFIX}${configured.name}`,
        name: configured.name,
        role: configured.name === 'tests' ? 'user' : 'system',
        source: 'system',
      });
      await this.upsertSystemCredential(configured, user.id);
      // A key that was configured before and has since been replaced must stop working.
      await this.revokeSystemCredentials({ system: configured.name, _id: { $ne: configured.accessKey } });
      if (toRevoke.has(configured.name)) {
        await this.revokeSystemCredentials({ _id: configured.accessKey });
        revoked.push(configured.name);
        continue;
      }
      await this.models.credentials.updateOne({ _id: configured.accessKey, revoked: { $exists: true } }, { $unset: { revoked: 1 } });
      this.forget((entry) => entry.credential.access_key === configured.accessKey);
      active.push(configured.name);
    }
    for (const name of toRevoke) {
      if (input.credentials.some((c) => c.name === name)) continue;
      await this.revokeSystemCredentials({ system: name });
      revoked.push(name);
    }
    return { active, revoked };
  }

  async close(): Promise<void> {
    await this.lastUsed.close();
  }

  // ---- internals

  private secretHash(secret: string): Buffer {
    return createHmac('sha256', this.pepper).update(secret, 'utf8').digest();
  }

  private async upsertSystemCredential(configured: SystemCredentialsInput['credentials'][number], userId: string): Promise<void> {
    const secretHash = this.secretHash(configured.secretKey).toString('hex');
    let existing = await this.models.credentials.findById(configured.accessKey).select('+secret_hash').lean();
    if (!existing) {
      try {
        await this.createCredentials(userId, { ...configured, system: configured.name, label: `${configured.name} (system)` });
        return;
      } catch (error) {
        if (!(error instanceof WardenError && error.code === 'ERR_BAD_REQUEST')) throw error;
        existing = await this.models.credentials.findById(configured.accessKey).select('+secret_hash').lean();
        if (!existing) throw error;
      }
    }
    if (existing.system !== configured.name || existing.user !== userId) {
      throw new WardenError('ERR_BAD_REQUEST', `the access key configured for ${configured.name} belongs to other credentials`);
    }
    if (existing.secret_hash === secretHash) return;
    await this.models.credentials.updateOne({ _id: configured.accessKey }, { $set: { secret_hash: secretHash } });
    this.forget((entry) => entry.credential.access_key === configured.accessKey);
  }

  private async revokeSystemCredentials(filter: FilterQuery<CredentialDoc>): Promise<void> {
    const query = { ...filter, system: filter.system ?? { $exists: true }, revoked: { $exists: false } };
    const result = await this.models.credentials.updateMany(query, { $set: { revoked: this.now() } });
    if (result.modifiedCount > 0) this.forget((entry) => entry.credential.system !== undefined);
  }

  private async updateUserProfile(existing: UserDoc, input: UserInput): Promise<UserRecord> {
    if (input.source === 'system' && existing.source !== 'system') {
      throw new WardenError('ERR_BAD_REQUEST', `user ${existing.username} exists and is not a system user`);
    }
    const changes: Partial<UserDoc> = {};
    if (input.name !== undefined && input.name !== existing.name) changes.name = input.name;
    if (input.role !== undefined && input.role !== existing.role) changes.role = input.role;
    if (input.source !== undefined && input.source !== existing.source) changes.source = input.source;
    if (Object.keys(changes).length > 0) {
      await this.models.users.updateOne({ _id: existing._id }, { $set: changes });
      this.forget((entry) => entry.credential.user === existing._id);
    }
    return toUser({ ...existing, ...changes }, await this.companyName(existing.company));
  }

  private async companyName(id: string): Promise<string> {
    const company = await this.models.companies.findById(id).lean();
    if (!company) throw new WardenError('ERR_NOT_FOUND', 'company not found');
    return company.name;
  }

  private async lookup(accessKey: string): Promise<CachedCredential | null> {
    const cached = this.cache.get(accessKey);
    if (cached !== undefined) return cached;
    const pending = this.inflight.get(accessKey);
    if (pending) return pending;
    const load = this.load(accessKey).finally(() => this.inflight.delete(accessKey));
    this.inflight.set(accessKey, load);
    return load;
  }

  private async load(accessKey: string): Promise<CachedCredential | null> {
    const generation = this.generation;
    const doc = await this.models.credentials.findById(accessKey).select('+secret_hash').lean();
    const entry = doc ? { credential: toCredential(doc), secretHash: Buffer.from(doc.secret_hash, 'hex') } : null;
    if (generation === this.generation && !(entry && this.uncached(entry.credential))) this.cache.set(accessKey, entry);
    return entry;
  }

  /** The credential's user, read once per cached entry (a revocation or user change drops the entry). */
  private ownerOf(entry: CachedCredential): Promise<UserRecord | null> {
    entry.owner ??= this.getUser(entry.credential.user).catch((error: unknown) => {
      entry.owner = undefined;
      throw error;
    });
    return entry.owner;
  }

  /**
   * Drops what the cache holds for a user's or an access key's credentials: for revocations made by
   * another replica (heard through the revocation list), which this store's own writes cannot see.
   */
  forgetCached(kind: 'user' | 'credential', id: string): void {
    this.forget((entry) => (kind === 'user' ? entry.credential.user : entry.credential.access_key) === id);
    // The gateway publishes a revocation before it writes the user's new state (disabled, demoted), so a
    // lookup right now may still read the old state: for one cache lifetime, none is cached.
    const now = this.now().getTime();
    for (const [key, until] of this.uncachedUntil) if (until <= now) this.uncachedUntil.delete(key);
    this.uncachedUntil.set(`${kind}:${id}`, now + this.cacheTtlMs);
  }

  private uncached(credential: CredentialRecord): boolean {
    const now = this.now().getTime();
    return [`user:${credential.user}`, `credential:${credential.access_key}`].some((key) => (this.uncachedUntil.get(key) ?? 0) > now);
  }

  private forget(predicate: (entry: CachedCredential) => boolean): void {
    this.generation++;
    this.inflight.clear();
    this.cache.deleteWhere((entry) => entry !== null && predicate(entry));
  }

  private decoyPassword(): Promise<string> {
    this.decoyPasswordHash ??= hashPassword(randomBytes(18).toString('base64'));
    return this.decoyPasswordHash;
  }
}

// `__<name>` users carry the system credentials; a person holding such a name could inherit them.
function validUsername(username: string, source: UserInput['source']): string {
  const trimmed = typeof username === 'string' ? username.trim() : '';
  if (!trimmed || trimmed.length > MAX_USERNAME_LENGTH || /[\p{Cc}]/u.test(trimmed)) {
    throw new WardenError('ERR_BAD_REQUEST', 'username must be 1-256 printable characters');
  }
  if (trimmed.startsWith(SYSTEM_USERNAME_PREFIX) && source !== 'system') {
    throw new WardenError('ERR_BAD_REQUEST', `usernames starting with ${SYSTEM_USERNAME_PREFIX} are reserved`);
  }
  return trimmed;
}
