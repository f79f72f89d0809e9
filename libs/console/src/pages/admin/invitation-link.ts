import type { NewInvitation } from '@warden/identity';
import { html, type Html } from '../../html';
import type { PublicHosts } from '../../settings';
import { when } from '../home';

/** The path of an invitation page; the token is its only secret part. */
export const INVITE_PATH = '/invite';

export function invitationUrl(hosts: PublicHosts, token: string): string {
  return `${hosts.web.replace(/\/+$/, '')}${INVITE_PATH}/${token}`;
}

/** Shown once, on the answer to the POST that made it: only the token's hash is stored. */
export function invitationNotice(hosts: PublicHosts, created: NewInvitation, username: string): Html {
  return html`<section id="new-invitation" class="notice" aria-labelledby="new-invitation-title">
    <h2 id="new-invitation-title">Invitation link for <span id="invitation-username">${username}</span></h2>
    <p>
      <strong>Copy this link now: it is shown only this once.</strong> Send it to <span id="invitation-email">${created.invitation.email}</span>; it works once,
      until ${when(created.invitation.expires)}.
    </p>
    <div class="copyable">
      <label for="invitation-link">Invitation link</label>
      <textarea id="invitation-link" readonly rows="2" spellcheck="false" autocomplete="off">${invitationUrl(hosts, created.token)}</textarea>
      <button type="button" id="copy-invitation-link" class="copy" data-copy-target="invitation-link" hidden>Copy</button>
      <span class="copy-status" id="copy-invitation-link-status" role="status" aria-live="polite"></span>
    </div>
  </section>`;
}
