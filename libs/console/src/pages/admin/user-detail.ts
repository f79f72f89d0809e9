import { Router } from 'express';
import type { CredentialRecord } from '@warden/identity';
import type { ConsoleContext } from '../../context';
import { csrfField } from '../../csrf';
import { columnHeads, html, type Html } from '../../html';
import { sessionOf } from '../../session';
import { CREDENTIAL_COLUMNS, credentialCells, requiredField, when } from '../home';
import { actorOf, noticeOf, sendAdminPage } from './admin-page';
import { USERS_PATH } from './users';

const NOTICES: Record<string, string> = {
  revoked: 'The credentials were revoked: tokens issued with them stop working within a second.',
};

function credentialRow(csrf: string, userId: string, c: CredentialRecord): Html {
  const revocable = !c.revoked && c.system === undefined;
  return html`<tr id="user-credential-${c.access_key}" data-access-key="${c.access_key}">
    ${credentialCells(c)}
    <td class="credential-status">${c.revoked ? html`revoked ${when(c.revoked)}` : 'active'}</td>
    <td class="actions">
      ${
        revocable &&
        html`<form method="post" action="${USERS_PATH}/credentials/revoke" class="inline">
          ${csrfField(csrf)}
          <input type="hidden" name="user" value="${userId}" />
          <input type="hidden" name="access_key" value="${c.access_key}" />
          <button type="submit" id="admin-revoke-${c.access_key}" class="danger">Revoke<span class="visually-hidden"> ${c.access_key}</span></button>
        </form>`
      }
    </td>
  </tr>`;
}

/** /console/settings/users/<id>: a user's profile, groups and API credentials (never a secret), with revoke. */
export function userDetailRoutes(ctx: ConsoleContext): Router {
  const { users } = ctx.parts.admin;
  const routes = Router();

  routes.get(`${USERS_PATH}/:id`, async (req, res) => {
    const session = sessionOf(res);
    const actor = actorOf(req, res);
    const user = await users.get(actor, req.params['id']);
    const [credentials, groups] = await Promise.all([users.credentials(actor, user.id), ctx.parts.admin.groupStore.groupsOf(actor.company, user.id)]);
    const notice = noticeOf(req, NOTICES);
    const main = html`${notice && html`<p id="notice" class="notice" role="status">${notice}</p>`}
      <p><a id="back-to-users" href="${USERS_PATH}">All users</a></p>
      <section id="user-profile" aria-labelledby="user-profile-title">
        <h2 id="user-profile-title">Profile</h2>
        <dl>
          <dt>Username</dt>
          <dd id="user-username">${user.username}</dd>
          <dt>Name</dt>
          <dd id="user-name">${user.name}</dd>
          <dt>Email</dt>
          <dd id="user-email">${user.email ?? ''}</dd>
          <dt>Role</dt>
          <dd id="user-role">${user.role}</dd>
          <dt>Status</dt>
          <dd id="user-status">${user.enabled ? 'enabled' : 'disabled'}</dd>
          <dt>Groups</dt>
          <dd id="user-groups">${groups.length === 0 ? 'none' : groups.map((g, i) => html`${i > 0 && ', '}<span class="group-name">${g.name}</span>`)}</dd>
        </dl>
      </section>
      <section id="user-credentials" aria-labelledby="user-credentials-title">
        <h2 id="user-credentials-title">API credentials</h2>
        ${
          credentials.length === 0
            ? html`<p id="user-credentials-empty">This user has no API credentials.</p>`
            : html`<table id="user-credentials-table">
                ${columnHeads(...CREDENTIAL_COLUMNS, 'Status', 'Actions')}
                <tbody>
                  ${credentials.map((c) => credentialRow(session.csrfToken, user.id, c))}
                </tbody>
              </table>`
        }
      </section>`;
    sendAdminPage(ctx, res, { title: `User ${user.username}`, active: 'users', pageId: 'user', main });
  });

  routes.post(`${USERS_PATH}/credentials/revoke`, async (req, res) => {
    const actor = actorOf(req, res);
    const user = await users.get(actor, requiredField(req, 'user'));
    await users.revokeCredential(actor, requiredField(req, 'access_key'));
    res.redirect(303, `${USERS_PATH}/${encodeURIComponent(user.id)}?notice=revoked`);
  });
  return routes;
}
