import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '@warden/backends';
import { WardenError } from '@warden/errors';
import { setTimeout as delay } from 'node:timers/promises';
import type { IdentityStore, UserAdmin, UserRecord } from '@warden/identity';
import type { SsoProfile } from './sso-profile';
import type { SignInRules } from './sign-in-rules';

/** The groups side of identity (libs/identity's GroupStore): existing groups only, never created here. */
export interface SsoGroupDirectory {
  /** The company's groups whose names are among `names` (case-insensitive). */
  findByNames(company: string, names: readonly string[]): Promise<{ id: string; name: string }[]>;
  /** Makes the user a member of exactly `groupIds` among the company's groups: adds and removes. */
  setMemberships(company: string, userId: string, groupIds: readonly string[]): Promise<unknown>;
}

/** The company-admin rules SSO goes through (libs/identity's UserAdmin). */
export type SsoUserAdmin = Pick<UserAdmin, 'setRoleFromProvider' | 'closeInvitations'>;

/** A provider's stable subject tied to a Warden user: the first thing a sign-in is matched by. */
interface SsoLinkDoc {
  _id: string;
  user: string;
  provider: string;
  issuer: string;
  subject: string;
  created: Date;
}

const linkSchema = new Schema<SsoLinkDoc>(
  {
    _id: { type: String, required: true },
    user: { type: String, required: true, index: true },
    provider: { type: String, required: true },
    issuer: { type: String, required: true },
    subject: { type: String, required: true },
    created: { type: Date, required: true },
  },
  { versionKey: false, autoIndex: false, autoCreate: false },
);

export interface SignInOutcome {
  user: UserRecord;
  created: boolean;
  groups: string[];
}

const RACE_PAUSE_MS = 200;
const isDuplicateKey = (error: unknown) => (error as { code?: unknown })?.code === 11000;
const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Who a sign-in is: the user linked to the provider's subject, else the one user whose email the
 * provider verified (an invited user among them), else (with default_company) a new user. Every refusal is decided
 * before anything is written; then the link, the role and the group memberships follow the provider.
 */
export class SsoAccounts {
  private readonly links: Model<SsoLinkDoc>;

  constructor(
    connection: Connection,
    private readonly store: IdentityStore,
    private readonly groups: SsoGroupDirectory,
    private readonly users: SsoUserAdmin,
  ) {
    this.links = modelOn(connection, 'SsoLink', linkSchema, 'sso_links');
  }

  ensureIndexes(): Promise<void> {
    return this.links.createIndexes();
  }

  async signIn(settings: SignInRules, issuer: string, profile: SsoProfile, clientIp?: string): Promise<SignInOutcome> {
    if (settings.require_email_verified && !(profile.email && profile.emailVerified)) throw new WardenError('ERR_SSO_EMAIL_UNVERIFIED');
    const linkId = hash(`${issuer}\n${profile.subject}`);
    const linked = await this.linkedUser(linkId);
    const byEmail = linked ? undefined : await this.userByVerifiedEmail(profile, settings.company);
    const existing = linked ?? byEmail;
    // A company's connection vouches for that company's users only, whatever its IdP asserts.
    if (settings.company && existing && existing.company !== settings.company) throw new WardenError('ERR_SSO_SIGNUP_NOT_ALLOWED');
    // An invited user exists already, with the invited email: it is found by that email once verified.
    const company = existing?.company ?? settings.defaultCompany;
    if (!company) throw new WardenError('ERR_SSO_SIGNUP_NOT_ALLOWED');
    if (!existing && !(await this.store.getCompany(company))) {
      throw new WardenError('ERR_SSO_SIGNUP_NOT_ALLOWED', `default_company ${company} of provider ${settings.name} does not exist: ask the administrator`);
    }
    const matched = settings.groups.enabled ? await this.groups.findByNames(company, profile.groups) : [];
    const adminByGroup = settings.groups.enabled && profile.groups.some((g) => settings.groups.admins.includes(g));
    const adminByRole = settings.admin_role !== '' && profile.roles.includes(settings.admin_role);
    if (settings.groups.enabled && settings.groups.prohibit_user_signup_if_not_in_group && matched.length === 0 && !adminByGroup) {
      throw new WardenError('ERR_SSO_NOT_IN_GROUP');
    }
    if (existing && !existing.enabled) throw new WardenError('ERR_USER_DISABLED');
    // With neither the admins groups nor the role claim configured, admins are managed in Warden.
    const managesRole = (settings.groups.enabled && settings.groups.admins.length > 0) || settings.admin_role !== '';
    const role: 'user' | 'admin' | undefined = managesRole ? (adminByGroup || adminByRole ? 'admin' : 'user') : undefined;

    const method = `sso:${settings.name}`;
    // First, as the one refusal that needs the store: the company-admin rules decide a role change.
    const user = existing
      ? await this.providerRole(existing, role, method, clientIp)
      : await this.createUser(settings, profile, company, role ?? 'user', linkId);
    if (!linked) await this.link(linkId, user.id, settings.name, issuer, profile.subject);
    // The invited person proved the invited email at the provider: the link is used up.
    if (byEmail && profile.email) await this.users.closeInvitations(byEmail, profile.email, method, clientIp);
    if (settings.groups.enabled)
      await this.groups.setMemberships(
        company,
        user.id,
        matched.map((g) => g.id),
      );
    return { user, created: !existing, groups: matched.map((g) => g.name) };
  }

  /** The company's groups a sign-in would make the user a member of (Test Provider): reads only. */
  async groupsFor(settings: SignInRules, company: string, profile: SsoProfile): Promise<string[]> {
    if (!settings.groups.enabled) return [];
    return (await this.groups.findByNames(company, profile.groups)).map((g) => g.name);
  }

  /**
   * The provider's role through the company-admin rules: the last enabled admin stays one (the
   * sign-in is refused, nothing changes), and a demotion ends the user's tokens, which carry the role.
   */
  private async providerRole(user: UserRecord, role: 'user' | 'admin' | undefined, method: string, clientIp?: string): Promise<UserRecord> {
    if (!role || user.role === role) return user;
    try {
      const changed = await this.users.setRoleFromProvider(user, role, method, clientIp);
      // The demotion refuses this user's logins up to this second: the new one must come after it.
      if (role === 'user') await delay((Math.floor(Date.now() / 1000) + 1) * 1000 - Date.now());
      return changed;
    } catch (error) {
      if (error instanceof WardenError && error.code === 'ERR_LAST_ADMIN') throw new WardenError('ERR_SSO_LAST_ADMIN');
      throw error;
    }
  }

  private async linkedUser(linkId: string): Promise<UserRecord | undefined> {
    const link = await this.links.findById(linkId).lean();
    if (!link) return undefined;
    const user = await this.store.getUser(link.user);
    // The user was deleted: its link no longer says anything.
    if (!user) await this.links.deleteOne({ _id: linkId });
    return user ?? undefined;
  }

  /** Only an email the provider verified, and only when exactly one non-system user (of the company, if one is set) has it. */
  private async userByVerifiedEmail(profile: SsoProfile, company?: string): Promise<UserRecord | undefined> {
    if (!profile.email || !profile.emailVerified) return undefined;
    const users = (await this.store.findUsersByEmail(profile.email)).filter((u) => !company || u.company === company);
    return users.length === 1 && users[0].role !== 'system' ? users[0] : undefined;
  }

  /**
   * A new user named by the provider's login name. A taken name belongs to someone else, never to be
   * taken over: unless a concurrent first sign-in of the same subject took it (found through the
   * link), the new user gets the name with a suffix of its own.
   */
  private async createUser(settings: SignInRules, profile: SsoProfile, company: string, role: 'user' | 'admin', linkId: string): Promise<UserRecord> {
    const base = (profile.username ?? profile.email?.split('@')[0] ?? `${settings.name}-user`).replace(/^_+/, '');
    const input = { company, name: profile.displayName ?? base, email: profile.email, role, source: 'sso' as const };
    try {
      return await this.store.createUser({ ...input, username: base });
    } catch (error) {
      if (!(error instanceof WardenError && error.code === 'ERR_USERNAME_TAKEN')) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, RACE_PAUSE_MS));
    return (await this.linkedUser(linkId)) ?? this.store.createUser({ ...input, username: `${base}-${linkId.slice(0, 8)}` });
  }

  private async link(id: string, user: string, provider: string, issuer: string, subject: string): Promise<void> {
    try {
      await this.links.create({ _id: id, user, provider, issuer, subject, created: new Date() });
    } catch (error) {
      // Two first sign-ins at once: the other one linked it already.
      if (!isDuplicateKey(error)) throw error;
    }
  }
}
