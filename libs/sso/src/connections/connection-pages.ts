import type { Response } from 'express';
import { html, type Html } from '@warden/console';
import type { SsoProfile } from '../sso-profile';

/** Claims shown as the provider sent them, minus the protocol's own (nonce, hashes, session ids). */
const HIDDEN_CLAIMS = new Set(['nonce', 'at_hash', 'c_hash', 'sid', 'auth_time', 'azp', 'iat', 'exp', 'nbf', 'jti', 'typ']);
const MAX_SHOWN = 2000;

function page(res: Response, status: number, title: string, pageId: string, body: Html, refresh?: string): void {
  const doc = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${title} · Warden</title>
        ${refresh !== undefined && html`<meta http-equiv="refresh" content="0;url=${refresh}" />`}
      </head>
      <body data-page="${pageId}">
        <main id="main">${body}</main>
      </body>
    </html>`;
  res.status(status).type('html').send(doc.markup);
}

/**
 * The ACS's answer: a same-origin page that goes on to the finish URL, where the browser's SameSite
 * cookie is sent (it was not on the IdP's cross-site POST). A meta refresh, since the CSP forbids
 * inline script; the link is there for a browser that does not follow it.
 */
export function finishHop(res: Response, finishUrl: string): void {
  page(res, 200, 'Signing in', 'sso-finish', html`<p>Signing in… <a id="sso-finish-link" href="${finishUrl}">Continue</a></p>`, finishUrl);
}

/** A route's refusal that has no login flow to go back to (an unknown or inactive connection). */
export function problemPage(res: Response, status: number, code: string, message: string): void {
  page(res, status, 'Sign-in unavailable', 'sso-problem', html`<p id="sso-problem" role="alert" data-code="${code}">${message} (${code})</p>`);
}

const text = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? '')).slice(0, MAX_SHOWN);

export interface TestOutcome {
  connection: { id: string; display_name: string; protocol: string };
  profile?: SsoProfile;
  /** The company's groups the user would be made a member of (group sync on). */
  groups?: string[];
  claims?: Record<string, unknown>;
  error?: { code: string; message: string; provider?: string };
}

/** Test Provider's result: what a sign-in through this connection would map, or the provider's error as it came. */
export function testResultPage(res: Response, outcome: TestOutcome): void {
  const { connection, profile, groups, claims, error } = outcome;
  const row = (label: string, id: string, value: unknown) =>
    html`<tr>
      <th scope="row">${label}</th>
      <td id="${id}">${value === undefined ? '' : text(value)}</td>
    </tr>`;
  const mapped =
    profile &&
    html`<table id="idp-test-mapped">
      <caption>
        Mapped claims
      </caption>
      ${row('user id', 'idp-test-user-id', profile.subject)} ${row('email', 'idp-test-email', profile.email)}
      ${row('email verified', 'idp-test-email-verified', profile.emailVerified ? 'yes' : 'no')} ${row('name', 'idp-test-name', profile.username)}
      ${row('display name', 'idp-test-display-name', profile.displayName)} ${row('groups claimed', 'idp-test-groups-claimed', profile.groups.join(', '))}
      ${row('groups synchronised', 'idp-test-groups', (groups ?? []).join(', '))}
    </table>`;
  const raw =
    claims &&
    html`<table id="idp-test-claims">
      <caption>
        Returned by the provider
      </caption>
      ${Object.entries(claims)
        .filter(([k]) => !HIDDEN_CLAIMS.has(k))
        .map(([k, v]) => row(k, `idp-test-claim-${k.replace(/[^\w-]/g, '_').slice(0, 64)}`, v))}
    </table>`;
  const failure =
    error &&
    html`<div id="idp-test-error" role="alert" data-code="${error.code}">
      <p>${error.message} (${error.code})</p>
      ${error.provider !== undefined && html`<pre id="idp-test-provider-error">${text(error.provider)}</pre>`}
    </div>`;
  const body = html`<h1>Test of ${connection.display_name}</h1>
    <p id="idp-test-result" data-outcome="${error ? 'error' : 'ok'}" data-connection="${connection.id}">
      ${error ? 'The provider did not sign the user in.' : 'This is what a sign-in would produce. No user, link or session was created.'}
    </p>
    ${failure} ${mapped} ${raw}`;
  page(res, 200, 'Test Provider', 'idp-test', body);
}
