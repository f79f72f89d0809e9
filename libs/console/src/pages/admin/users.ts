import { Router, type Request, type Response } from 'express';
import { WardenError } from '@warden/errors';
import { FIELD_LIMITS, type AdminUserView, type NewInvitation } from '@warden/identity';
import type { ConsoleContext } from '../../context';
import { csrfField } from '../../csrf';
import { html, type Html } from '../../html';
import { sessionOf } from '../../session';
import { field, requiredField, when } from '../home';
import { actorOf, noticeOf, sendAdminPage } from './admin-page';
import { invitationNotice } from './invitation-link';

export const USERS_PATH = '/console/settings/users';

const NOTICES: Record<string, string> = {
  created: 'The user was created.',
  enabled: 'The user was enabled: it may log in again.',
  disabled: 'The user was disabled: its sessions and API keys stop working within a second.',
  promoted: 'The user is now an admin (from its next login).',
  demoted: 'The user is no longer an admin: its sessions were ended.',
};

function status(user: AdminUserView): Html {
  if (!user.enabled) return html`disabled`;
  if (user.invited_until) return html`invited (link valid until ${when(user.invited_until)})`;
  return html`enabled`;
}

function userRow(csrf: string, me: string, u: AdminUserView): Html {
  const enableForm = html`<form method="post" action="${USERS_PATH}/enabled" class="inline">
    ${csrfField(csrf)}<input type="hidden" name="user" value="${u.id}" /><input type="hidden" name="enabled" value="${u.enabled ? 'false' : 'true'}" />
    ${
      u.enabled
        ? html`<button type="submit" id="disable-${u.id}" class="danger">Disable<span class="visually-hidden"> for ${u.username}</span></button>`
        : html`<button type="submit" id="enable-${u.id}">Enable<span class="visually-hidden"> for ${u.username}</span></button>`
    }
  </form>`;
  const roleForm = html`<form method="post" action="${USERS_PATH}/role" class="inline">
    ${csrfField(csrf)}<input type="hidden" name="user" value="${u.id}" /><input type="hidden" name="role" value="${u.role === 'admin' ? 'user' : 'admin'}" />
    ${
      u.role === 'admin'
        ? html`<button type="submit" id="remove-admin-${u.id}">Remove admin<span class="visually-hidden"> for ${u.username}</span></button>`
        : html`<button type="submit" id="make-admin-${u.id}">Make admin<span class="visually-hidden"> for ${u.username}</span></button>`
    }
  </form>`;
  const inviteForm =
    u.source === 'local' &&
    u.email &&
    html`<form method="post" action="${USERS_PATH}/invite" class="inline">
      ${csrfField(csrf)}<input type="hidden" name="user" value="${u.id}" />
      <button type="submit" id="invite-${u.id}">New invitation link<span class="visually-hidden"> for ${u.username}</span></button>
    </form>`;
  return html`<tr id="user-${u.id}" data-user-id="${u.id}" data-username="${u.username}">
    <td class="username"><a id="user-link-${u.id}" href="${USERS_PATH}/${u.id}">${u.username}</a>${u.id === me && html` <span class="muted">(you)</span>`}</td>
    <td class="name">${u.name}</td>
    <td class="email">${u.email ?? ''}</td>
    <td class="role" id="role-${u.id}">${u.role}</td>
    <td class="status" id="status-${u.id}">${status(u)}</td>
    <td class="actions">${enableForm} ${roleForm} ${inviteForm}</td>
  </tr>`;
}

function createForm(csrf: string): Html {
  return html`<section id="create-user" aria-labelledby="create-user-title">
    <h2 id="create-user-title">Create a user</h2>
    <form id="create-user-form" method="post" action="${USERS_PATH}">
      ${csrfField(csrf)}
      <label for="new-username">Username</label>
      <input id="new-username" name="username" required maxlength="${FIELD_LIMITS.username}" autocomplete="off" />
      <label for="new-name">Full name</label>
      <input id="new-name" name="name" maxlength="${FIELD_LIMITS.name}" autocomplete="off" />
      <label for="new-email">Email</label>
      <input id="new-email" name="email" type="email" maxlength="${FIELD_LIMITS.email}" autocomplete="off" />
      <label for="new-role">Role</label>
      <select id="new-role" name="role">
        <option value="user" selected>user</option>
        <option value="admin">admin</option>
      </select>
      <label><input id="new-invite" name="invite" type="checkbox" value="yes" checked /> Create an invitation link (needs the email)</label>
      <button type="submit" id="create-user-submit">Create user</button>
    </form>
  </section>`;
}

async function renderUsers(ctx: ConsoleContext, req: Request, res: Response, extra: { invitation?: Html } = {}, code = 200): Promise<void> {
  const session = sessionOf(res);
  const users = await ctx.parts.admin.users.list(actorOf(req, res));
  const notice = noticeOf(req, NOTICES);
  const main = html`${notice && html`<p id="notice" class="notice" role="status">${notice}</p>`} ${extra.invitation} ${createForm(session.csrfToken)}
    <section id="users" aria-labelledby="users-title">
      <h2 id="users-title">Users of ${session.claims.identity.company_name ?? session.claims.identity.company}</h2>
      <table id="users-table">
        <thead>
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          ${users.map((u) => userRow(session.csrfToken, session.claims.identity.user, u))}
        </tbody>
      </table>
    </section>`;
  sendAdminPage(ctx, res, { title: 'Users', active: 'users', pageId: 'users', main }, code);
}

/** /console/settings/users: list, create and invite, disable/enable, admin toggle. Behind requireCompanyAdmin. */
export function userRoutes(ctx: ConsoleContext): Router {
  const { users } = ctx.parts.admin;
  const routes = Router();
  const shown = (created: NewInvitation, username: string) => invitationNotice(ctx.hosts, created, username);

  routes.get(USERS_PATH, (req, res) => renderUsers(ctx, req, res));

  routes.post(USERS_PATH, async (req, res) => {
    const { user, invitation } = await users.create(actorOf(req, res), {
      username: field(req, 'username') ?? '',
      name: field(req, 'name'),
      email: field(req, 'email'),
      role: field(req, 'role'),
      invite: field(req, 'invite') === 'yes',
    });
    if (!invitation) return res.redirect(303, `${USERS_PATH}?notice=created`);
    // The link is rendered on this answer only (no-store, no redirect): a reload cannot bring it back.
    await renderUsers(ctx, req, res, { invitation: shown(invitation, user.username) }, 201);
  });

  routes.post(`${USERS_PATH}/invite`, async (req, res) => {
    const actor = actorOf(req, res);
    const target = await users.get(actor, requiredField(req, 'user'));
    const invitation = await users.invite(actor, target.id);
    await renderUsers(ctx, req, res, { invitation: shown(invitation, target.username) }, 201);
  });

  routes.post(`${USERS_PATH}/enabled`, async (req, res) => {
    const value = requiredField(req, 'enabled');
    if (value !== 'true' && value !== 'false') throw new WardenError('ERR_BAD_REQUEST', 'enabled must be true or false', { field: 'enabled' });
    const enabled = value === 'true';
    await users.setEnabled(actorOf(req, res), requiredField(req, 'user'), enabled);
    res.redirect(303, `${USERS_PATH}?notice=${enabled ? 'enabled' : 'disabled'}`);
  });

  routes.post(`${USERS_PATH}/role`, async (req, res) => {
    const role = requiredField(req, 'role');
    await users.setRole(actorOf(req, res), requiredField(req, 'user'), role);
    res.redirect(303, `${USERS_PATH}?notice=${role === 'admin' ? 'promoted' : 'demoted'}`);
  });
  return routes;
}
