import { Router, type Request } from 'express';
import { WardenError } from '@warden/errors';
import { AUDIT_EVENT_TYPES, AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, type AuditEntry, type AuditQuery, type GroupRecord, type UserRecord } from '@warden/identity';
import type { ConsoleContext } from '../../context';
import { columnHeads, html, type Html } from '../../html';
import { when } from '../home';
import { actorOf, sendAdminPage } from './admin-page';

export const AUDIT_PATH = '/console/settings/audit';
const PAGE_SIZES = [25, 50, 100, AUDIT_PAGE_MAX];
// A datetime-local value (minutes or seconds), read as UTC, or a full ISO time.
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

type Filters = Omit<AuditQuery, 'company'>;

function text(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new WardenError('ERR_BAD_REQUEST', `${name} must be given once`, { field: name });
  return value;
}

function time(req: Request, name: 'from' | 'to'): Date | undefined {
  const value = text(req, name);
  if (value === undefined) return undefined;
  const date = new Date(LOCAL_TIME.test(value) ? `${value}Z` : value);
  if (!Number.isFinite(date.getTime())) throw new WardenError('ERR_BAD_REQUEST', `${name} must be a date and time (UTC)`, { field: name });
  return date;
}

/** The filters of the query string; a malformed one is a 400 naming it (AuditQueries checks the rest). */
function filtersOf(req: Request): Filters {
  const limit = text(req, 'limit');
  if (limit !== undefined && !/^\d{1,4}$/.test(limit))
    throw new WardenError('ERR_BAD_REQUEST', `limit must be a whole number from 1 to ${AUDIT_PAGE_MAX}`, { field: 'limit' });
  const type = text(req, 'type');
  return {
    user: text(req, 'user'),
    types: type === undefined ? undefined : [type],
    from: time(req, 'from'),
    to: time(req, 'to'),
    cursor: text(req, 'cursor'),
    limit: limit === undefined ? undefined : Number(limit),
  };
}

/** The query string of this filter set, for the next page's link (every value encoded). */
function queryOf(req: Request, cursor: string): string {
  const params = new URLSearchParams();
  for (const name of ['user', 'type', 'from', 'to', 'limit']) {
    const value = text(req, name);
    if (value !== undefined) params.set(name, value);
  }
  params.set('cursor', cursor);
  return params.toString();
}

function option(value: string, label: string, selected: string | undefined): Html {
  return html`<option value="${value}" ${value === selected ? html`selected` : ''}>${label}</option>`;
}

function filterForm(req: Request, users: UserRecord[]): Html {
  const selected = (name: string) => (typeof req.query[name] === 'string' ? req.query[name] : undefined);
  return html`<form id="audit-filter" method="get" action="${AUDIT_PATH}">
    <label for="audit-user">User</label>
    <select id="audit-user" name="user">
      ${option('', 'Everyone', selected('user'))} ${users.map((u) => option(u.id, u.username, selected('user')))}
    </select>
    <label for="audit-type">Event</label>
    <select id="audit-type" name="type">
      ${option('', 'Every event', selected('type'))} ${AUDIT_EVENT_TYPES.map((t) => option(t, t, selected('type')))}
    </select>
    <label for="audit-from">From (UTC)</label>
    <input id="audit-from" name="from" type="datetime-local" step="1" value="${selected('from') ?? ''}" />
    <label for="audit-to">Until (UTC)</label>
    <input id="audit-to" name="to" type="datetime-local" step="1" value="${selected('to') ?? ''}" />
    <label for="audit-limit">Per page</label>
    <select id="audit-limit" name="limit">
      ${PAGE_SIZES.map((n) => option(String(n), String(n), selected('limit') ?? String(AUDIT_PAGE_DEFAULT)))}
    </select>
    <button type="submit" id="audit-apply">Show</button>
  </form>`;
}

function eventRow(e: AuditEntry, users: Map<string, UserRecord>, groups: Map<string, GroupRecord>): Html {
  const who = (id: string | undefined) => (id === undefined ? '' : (users.get(id)?.username ?? id));
  return html`<tr class="audit-event" id="audit-event-${e.id}" data-event-id="${e.id}" data-type="${e.type}">
    <td class="at">${when(e.at)}</td>
    <td class="type">${e.type}</td>
    <td class="outcome">${e.outcome}</td>
    <td class="user">${who(e.user)}</td>
    <td class="actor">${who(e.actor)}</td>
    <td class="username">${e.username ?? ''}</td>
    <td class="group">${e.group === undefined ? '' : (groups.get(e.group)?.name ?? e.group)}</td>
    <td class="detail">${e.detail ?? ''}</td>
    <td class="access-key">${e.access_key ?? ''}</td>
    <td class="method">${e.method ?? ''}</td>
    <td class="client-ip">${e.client_ip ?? ''}</td>
    <td class="reason">${e.reason ?? ''}</td>
  </tr>`;
}

/** /console/settings/audit: the company's audit trail, filtered and paged (newest first). Behind requireCompanyAdmin. */
export function auditRoutes(ctx: ConsoleContext): Router {
  const admin = ctx.parts.admin;
  const routes = Router();

  routes.get(AUDIT_PATH, async (req, res) => {
    const actor = actorOf(req, res);
    const filters = filtersOf(req);
    const [page, users, groups] = await Promise.all([admin.audit(actor, filters), admin.users.list(actor), admin.groups.list(actor)]);
    const byId = new Map(users.map((u) => [u.id, u]));
    const groupById = new Map(groups.map((g) => [g.id, g]));
    const main = html`${filterForm(req, users)}
      ${
        page.events.length === 0
          ? html`<p id="audit-empty">No events match.</p>`
          : html`<div class="table-scroll"><table id="audit-table">
              ${columnHeads('Time (UTC)', 'Event', 'Outcome', 'User', 'By', 'Login name tried', 'Group', 'Detail', 'Access key', 'Method', 'Address', 'Reason')}
              <tbody>
                ${page.events.map((e) => eventRow(e, byId, groupById))}
              </tbody>
            </table></div>`
      }
      <nav id="audit-paging" aria-label="Audit pages">
        ${filters.cursor !== undefined && html`<a id="audit-first" href="${AUDIT_PATH}">Newest events</a>`}
        ${page.next_cursor !== undefined && html`<a id="audit-next" href="${AUDIT_PATH}?${queryOf(req, page.next_cursor)}">Older events</a>`}
      </nav>`;
    sendAdminPage(ctx, res, { title: 'Audit', active: 'audit', pageId: 'audit', main });
  });
  return routes;
}
