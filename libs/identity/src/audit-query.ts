import { Types, type Connection, type FilterQuery, type Model } from 'mongoose';
import { WardenError } from '@warden/errors';
import { AUDIT_EVENT_TYPES, type AuditEvent, type AuditEventType } from './audit-trail';
import { identityModels, type AuthEventDoc } from './models';

export interface AuditQuery {
  /** Always required: an admin reads its own company's trail only. */
  company: string;
  /** Events about this user or done by it. */
  user?: string;
  types?: readonly string[];
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
  /** From the previous page's next_cursor. */
  cursor?: string;
  limit?: number;
}

export interface AuditEntry extends AuditEvent {
  id: string;
  at: Date;
}

export interface AuditPage {
  events: AuditEntry[];
  /** Present while older events match: pass it as cursor for the next page. */
  next_cursor?: string;
}

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 200;
const CURSOR = /^(\d{1,15})\.([0-9a-f]{24})$/;

const bad = (field: string, message: string) => new WardenError('ERR_BAD_REQUEST', message, { field });

/**
 * Reads the audit trail newest first, in a stable order (time, then id) that a cursor continues
 * exactly where the last page ended, even while new events arrive. Every query is one company's.
 */
export class AuditQueries {
  private readonly events: Model<AuthEventDoc>;

  constructor(connection: Connection) {
    this.events = identityModels(connection).authEvents;
  }

  async page(query: AuditQuery): Promise<AuditPage> {
    if (typeof query.company !== 'string' || !query.company) throw bad('company', 'an audit query needs a company');
    const limit = pageSize(query.limit);
    const clauses: FilterQuery<AuthEventDoc>[] = [{ company: query.company }];
    if (query.user !== undefined) clauses.push({ $or: [{ user: String(query.user) }, { actor: String(query.user) }] });
    if (query.types !== undefined && query.types.length > 0) clauses.push({ type: { $in: eventTypes(query.types) } });
    const at = timeRange(query.from, query.to);
    if (at) clauses.push({ at });
    if (query.cursor !== undefined) clauses.push(after(query.cursor));
    const docs = await this.events
      .find({ $and: clauses })
      .sort({ at: -1, _id: -1 })
      .limit(limit + 1)
      .lean();
    const events = docs.slice(0, limit).map(({ _id, ...event }) => ({ ...(event as AuditEvent & { at: Date }), id: String(_id) }));
    const last = docs.length > limit ? events[events.length - 1] : undefined;
    return last ? { events, next_cursor: `${last.at.getTime()}.${last.id}` } : { events };
  }
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return AUDIT_PAGE_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_PAGE_MAX) throw bad('limit', `limit must be a whole number from 1 to ${AUDIT_PAGE_MAX}`);
  return limit;
}

function eventTypes(types: readonly string[]): AuditEventType[] {
  const unknown = types.find((t) => !AUDIT_EVENT_TYPES.includes(t as AuditEventType));
  if (unknown !== undefined) throw bad('type', 'unknown audit event type');
  return types as AuditEventType[];
}

function timeRange(from: Date | undefined, to: Date | undefined): { $gte?: Date; $lt?: Date } | undefined {
  for (const [field, date] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (date !== undefined && !(date instanceof Date && Number.isFinite(date.getTime()))) throw bad(field, `${field} must be a valid time`);
  }
  if (from && to && from.getTime() >= to.getTime()) throw bad('from', 'from must be earlier than to');
  if (!from && !to) return undefined;
  return { ...(from && { $gte: from }), ...(to && { $lt: to }) };
}

// Strictly older than the last event shown: earlier time, or the same time and a smaller id.
function after(cursor: string): FilterQuery<AuthEventDoc> {
  const match = typeof cursor === 'string' ? CURSOR.exec(cursor) : null;
  if (!match) throw bad('cursor', 'cursor is not one this server gave out');
  const at = new Date(Number(match[1]));
  const id = new Types.ObjectId(match[2]);
  return { $or: [{ at: { $lt: at } }, { at, _id: { $lt: id } }] };
}
