import { Types, type Connection, type FilterQuery, type Model } from 'mongoose';
import { ERROR_TABLE } from '@warden/errors';
import { identityModels, type AuthEventDoc } from './models';
import { isDuplicateKey } from './records';

export type AuditEventType =
  | 'login'
  | 'logout'
  | 'credentials.create'
  | 'credentials.edit'
  | 'credentials.revoke'
  | 'user.disable'
  | 'user.create'
  | 'company.create'
  /** The operator founding a company and its first admin (POST /operator/tenants), every attempt. */
  | 'tenant.create'
  | 'user.enable'
  | 'sessions.revoke'
  | 'password.change'
  | 'password.reset'
  | 'system.bootstrap'
  /** A login refused by the rate limits before its credentials were checked (a lock-out). */
  | 'login.locked'
  | 'user.role'
  | 'group.create'
  | 'group.rename'
  | 'group.delete'
  | 'group.member.add'
  | 'group.member.remove'
  | 'invitation.create'
  | 'invitation.accept'
  /** A single sign-on login (libs/sso), every attempt; a failure names its error code. */
  | 'sso_login'
  /** An identity provider's back-channel logout ending the sessions of one of its users. */
  | 'sso_logout'
  /** An admin's change to an identity-provider connection (create, update, delete, activate). */
  | 'idp.create'
  | 'idp.update'
  | 'idp.delete'
  | 'idp.activate';

/** Every event type, for filters that must refuse unknown ones. */
export const AUDIT_EVENT_TYPES: readonly AuditEventType[] = [
  'login',
  'login.locked',
  'logout',
  'credentials.create',
  'credentials.edit',
  'credentials.revoke',
  'user.create',
  'user.disable',
  'user.enable',
  'user.role',
  'company.create',
  'tenant.create',
  'sessions.revoke',
  'password.change',
  'password.reset',
  'system.bootstrap',
  'group.create',
  'group.rename',
  'group.delete',
  'group.member.add',
  'group.member.remove',
  'invitation.create',
  'invitation.accept',
  'sso_login',
  'sso_logout',
  'idp.create',
  'idp.update',
  'idp.delete',
  'idp.activate',
];

export interface AuditEvent {
  type: AuditEventType;
  outcome: 'success' | 'failure';
  at?: Date;
  /** Whom the event is about (the user logging in, the user an admin changed). */
  user?: string;
  /** Who acted, when not the user itself (an admin). */
  actor?: string;
  group?: string;
  company?: string;
  access_key?: string;
  username?: string;
  method?: string;
  client_ip?: string;
  /** An error code, never a secret. */
  reason?: string;
  /** What changed, in names an admin typed (a group name, a role, an email); never a secret. */
  detail?: string;
}

export interface AuditTrailOptions {
  connection: Connection;
  flushIntervalMs?: number;
  maxBuffer?: number;
  onError?: (error: unknown) => void;
}

type StoredEvent = AuthEventDoc & { _id: Types.ObjectId };

const DEFAULT_FLUSH_MS = 250;
const DEFAULT_MAX_BUFFER = 10_000;
const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1000;
const OPTIONAL_FIELDS = ['user', 'actor', 'group', 'company', 'access_key', 'username', 'method', 'client_ip', 'detail'] as const;
// Stored fields are bounded whatever a caller passes (a failed login's username is the attacker's text).
const MAX_FIELD_LENGTH = 512;

// Only known error codes are kept, so a caller passing free text cannot write a secret here.
function safeReason(reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  return Object.hasOwn(ERROR_TABLE, reason) ? reason : 'unlisted';
}

function writeErrorsOf(error: unknown): { index: number; code?: number }[] | undefined {
  const writeErrors = (error as { writeErrors?: unknown })?.writeErrors;
  if (writeErrors === undefined) return undefined;
  return (Array.isArray(writeErrors) ? writeErrors : [writeErrors]) as { index: number; code?: number }[];
}

/**
 * Authentication events, buffered and written with one insertMany per interval so a login never
 * waits on the audit write. If Mongo is down the buffer keeps the newest maxBuffer events.
 */
export class AuditTrail {
  private readonly events: Model<AuthEventDoc>;
  private readonly flushIntervalMs: number;
  private readonly maxBuffer: number;
  private readonly onError: (error: unknown) => void;
  private buffer: StoredEvent[] = [];
  private droppedCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: AuditTrailOptions) {
    this.events = identityModels(options.connection).authEvents;
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_MS;
    this.maxBuffer = options.maxBuffer ?? DEFAULT_MAX_BUFFER;
    this.onError = options.onError ?? (() => undefined);
  }

  /** Events lost because the buffer was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  record(event: AuditEvent): void {
    try {
      const stored: StoredEvent = { _id: new Types.ObjectId(), type: event.type, outcome: event.outcome, at: event.at ?? new Date() };
      for (const field of OPTIONAL_FIELDS) if (event[field] !== undefined) stored[field] = String(event[field]).slice(0, MAX_FIELD_LENGTH);
      const reason = safeReason(event.reason);
      if (reason !== undefined) stored.reason = reason;
      this.buffer.push(stored);
      this.trim();
      this.schedule();
    } catch (error) {
      this.onError(error);
    }
  }

  flush(): Promise<void> {
    const run = this.chain.then(() => this.write());
    this.chain = run.catch(() => undefined);
    return run;
  }

  async list(filter: { company?: string; user?: string; limit?: number }): Promise<(AuditEvent & { at: Date })[]> {
    const query: FilterQuery<AuthEventDoc> = {};
    if (filter.company !== undefined) query.company = filter.company;
    if (filter.user !== undefined) query.user = filter.user;
    const limit = Math.min(Math.max(Math.trunc(filter.limit ?? DEFAULT_LIST_LIMIT), 1), MAX_LIST_LIMIT);
    const docs = await this.events.find(query).sort({ at: -1, _id: -1 }).limit(limit).lean();
    return docs.map(({ _id: _ignored, ...event }) => event as AuditEvent & { at: Date });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush().catch(this.onError);
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(this.onError);
    }, this.flushIntervalMs);
    this.timer.unref();
  }

  private trim(): void {
    const excess = this.buffer.length - this.maxBuffer;
    if (excess <= 0) return;
    this.buffer.splice(0, excess);
    this.droppedCount += excess;
  }

  private async write(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      // Built and typed by record(), so mongoose's hydration and validation would only cost CPU.
      await this.events.insertMany(batch, { ordered: false, lean: true });
    } catch (error) {
      // Ids are fixed at record time, so an event that did land answers a retry with a duplicate key.
      const writeErrors = writeErrorsOf(error);
      const failed = writeErrors ? writeErrors.filter((e) => !isDuplicateKey(e)).flatMap((e) => batch[e.index] ?? []) : batch;
      this.buffer = [...failed, ...this.buffer];
      this.trim();
      this.schedule();
      if (failed.length > 0) throw error;
    }
  }
}
