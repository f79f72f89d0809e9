import { Router } from 'express';
import { FIELD_LIMITS, type GroupRecord, type UserRecord } from '@warden/identity';
import type { ConsoleContext } from '../../context';
import { csrfField } from '../../csrf';
import { html, type Html } from '../../html';
import { sessionOf } from '../../session';
import { field, requiredField } from '../home';
import { actorOf, noticeOf, sendAdminPage } from './admin-page';

export const GROUPS_PATH = '/console/settings/groups';

const NOTICES: Record<string, string> = {
  created: 'The group was created.',
  renamed: 'The group was renamed.',
  deleted: 'The group was deleted.',
  added: 'The member was added.',
  removed: 'The member was removed.',
};

function hidden(name: string, value: string): Html {
  return html`<input type="hidden" name="${name}" value="${value}" />`;
}

function memberItem(csrf: string, group: GroupRecord, userId: string, byId: Map<string, UserRecord>): Html {
  const user = byId.get(userId);
  return html`<li id="member-${group.id}-${userId}" data-user-id="${userId}">
    <span class="member-name">${user ? user.username : userId}</span>
    <form method="post" action="${GROUPS_PATH}/members/remove" class="inline">
      ${csrfField(csrf)} ${hidden('group', group.id)} ${hidden('user', userId)}
      <button type="submit" id="remove-member-${group.id}-${userId}">
        Remove<span class="visually-hidden"> ${user?.username ?? userId} from ${group.name}</span>
      </button>
    </form>
  </li>`;
}

function groupRow(csrf: string, group: GroupRecord, users: UserRecord[], byId: Map<string, UserRecord>): Html {
  const members = new Set(group.members);
  const candidates = users.filter((u) => !members.has(u.id));
  return html`<tr id="group-${group.id}" data-group-id="${group.id}">
    <td class="group-name">${group.name}</td>
    <td class="members">
      ${
        group.members.length === 0
          ? html`<p class="muted" id="members-empty-${group.id}">No members.</p>`
          : html`<ul id="members-${group.id}">
              ${group.members.map((id) => memberItem(csrf, group, id, byId))}
            </ul>`
      }
      ${
        candidates.length > 0 &&
        html`<form method="post" action="${GROUPS_PATH}/members/add" class="inline">
          ${csrfField(csrf)} ${hidden('group', group.id)}
          <label for="add-member-select-${group.id}" class="visually-hidden">User to add to ${group.name}</label>
          <select id="add-member-select-${group.id}" name="user">
            ${candidates.map((u) => html`<option value="${u.id}">${u.username}</option>`)}
          </select>
          <button type="submit" id="add-member-${group.id}">Add member</button>
        </form>`
      }
    </td>
    <td class="actions">
      <form method="post" action="${GROUPS_PATH}/rename" class="inline">
        ${csrfField(csrf)} ${hidden('group', group.id)}
        <label for="rename-${group.id}" class="visually-hidden">New name for ${group.name}</label>
        <input id="rename-${group.id}" name="name" maxlength="${FIELD_LIMITS.group}" value="${group.name}" />
        <button type="submit" id="rename-submit-${group.id}">Rename</button>
      </form>
      <form method="post" action="${GROUPS_PATH}/delete" class="inline">
        ${csrfField(csrf)} ${hidden('group', group.id)}
        <button type="submit" id="delete-group-${group.id}" class="danger">Delete<span class="visually-hidden"> ${group.name}</span></button>
      </form>
    </td>
  </tr>`;
}

/** /console/settings/groups: create, rename, delete, members. Behind requireCompanyAdmin. */
export function groupRoutes(ctx: ConsoleContext): Router {
  const admin = ctx.parts.admin;
  const routes = Router();

  routes.get(GROUPS_PATH, async (req, res) => {
    const session = sessionOf(res);
    const actor = actorOf(req, res);
    const [groups, users] = await Promise.all([admin.groups.list(actor), admin.users.list(actor)]);
    const byId = new Map(users.map((u) => [u.id, u]));
    const notice = noticeOf(req, NOTICES);
    const csrf = session.csrfToken;
    const main = html`${notice && html`<p id="notice" class="notice" role="status">${notice}</p>`}
      <section id="create-group" aria-labelledby="create-group-title">
        <h2 id="create-group-title">Create a group</h2>
        <form id="create-group-form" method="post" action="${GROUPS_PATH}">
          ${csrfField(csrf)}
          <label for="new-group-name">Name</label>
          <input id="new-group-name" name="name" required maxlength="${FIELD_LIMITS.group}" autocomplete="off" />
          <button type="submit" id="create-group-submit">Create group</button>
        </form>
      </section>
      <section id="groups" aria-labelledby="groups-title">
        <h2 id="groups-title">Groups</h2>
        ${
          groups.length === 0
            ? html`<p id="groups-empty">There are no groups yet.</p>`
            : html`<table id="groups-table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Members</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  ${groups.map((g) => groupRow(csrf, g, users, byId))}
                </tbody>
              </table>`
        }
      </section>`;
    sendAdminPage(ctx, res, { title: 'Groups', active: 'groups', pageId: 'groups', main });
  });

  routes.post(GROUPS_PATH, async (req, res) => {
    await admin.groups.create(actorOf(req, res), field(req, 'name') ?? '');
    res.redirect(303, `${GROUPS_PATH}?notice=created`);
  });
  routes.post(`${GROUPS_PATH}/rename`, async (req, res) => {
    await admin.groups.rename(actorOf(req, res), requiredField(req, 'group'), field(req, 'name') ?? '');
    res.redirect(303, `${GROUPS_PATH}?notice=renamed`);
  });
  routes.post(`${GROUPS_PATH}/delete`, async (req, res) => {
    await admin.groups.delete(actorOf(req, res), requiredField(req, 'group'));
    res.redirect(303, `${GROUPS_PATH}?notice=deleted`);
  });
  routes.post(`${GROUPS_PATH}/members/add`, async (req, res) => {
    await admin.groups.addMember(actorOf(req, res), requiredField(req, 'group'), requiredField(req, 'user'));
    res.redirect(303, `${GROUPS_PATH}?notice=added`);
  });
  routes.post(`${GROUPS_PATH}/members/remove`, async (req, res) => {
    await admin.groups.removeMember(actorOf(req, res), requiredField(req, 'group'), requiredField(req, 'user'));
    res.redirect(303, `${GROUPS_PATH}?notice=removed`);
  });
  return routes;
}
