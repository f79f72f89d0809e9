import { Router, type Request, type Response } from 'express';
import { WardenError } from '@warden/errors';
import type { CredentialRecord, NewCredentials } from '@warden/identity';
import { sendPage, type ConsoleContext } from '../context';
import { csrfField } from '../csrf';
import { columnHeads, html, type Html } from '../html';
import { shellPage } from '../layout';
import { sessionOf, type ConsoleSession } from '../session';
import type { PublicHosts } from '../settings';

// Fixed texts only: the query names one, it never supplies the words.
const NOTICES: Record<string, string> = {
  relabelled: 'The label was changed.',
  revoked: 'The credentials were revoked: tokens issued with them stop working within a second.',
};

export function when(date: Date | undefined): Html | string {
  if (!date) return 'never';
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

/** The ready-to-paste clearml.conf block for a new key pair (HOCON, as ClearML writes it). */
export function clearmlConf(hosts: PublicHosts, created: NewCredentials): string {
  return [
    'api {',
    `  web_server: ${hosts.web}`,
    `  api_server: ${hosts.api}`,
    `  files_server: ${hosts.files}`,
    '  credentials {',
    `    "access_key" = "${created.access_key}"`,
    `    "secret_key" = "${created.secret_key}"`,
    '  }',
    '}',
    '',
  ].join('\n');
}

export function envLines(hosts: PublicHosts, created: NewCredentials): string {
  return [
    `CLEARML_API_HOST=${hosts.api}`,
    `CLEARML_WEB_HOST=${hosts.web}`,
    `CLEARML_FILES_HOST=${hosts.files}`,
    `CLEARML_API_ACCESS_KEY=${created.access_key}`,
    `CLEARML_API_SECRET_KEY=${created.secret_key}`,
    '',
  ].join('\n');
}

function copyable(id: string, label: string, text: string, rows: number): Html {
  return html`<div class="copyable">
    <label for="${id}">${label}</label>
    <textarea id="${id}" readonly rows="${rows}" spellcheck="false" autocomplete="off">${text}</textarea>
    <button type="button" id="copy-${id}" class="copy" data-copy-target="${id}" hidden>Copy</button>
    <span class="copy-status" id="copy-${id}-status" role="status" aria-live="polite"></span>
  </div>`;
}

/** Shown once, on the answer to the POST that created the key; never stored for a later page. */
function newCredential(hosts: PublicHosts, created: NewCredentials): Html {
  return html`<section id="new-credential" class="notice" aria-labelledby="new-credential-title">
    <h2 id="new-credential-title">New API credentials</h2>
    <p><strong>Copy the secret key now: it is shown only this once.</strong> Warden keeps only a hash of it.</p>
    <dl>
      <dt>Access key</dt>
      <dd><code id="new-access-key">${created.access_key}</code></dd>
      <dt>Secret key</dt>
      <dd><code id="new-secret-key">${created.secret_key}</code></dd>
    </dl>
    ${copyable('clearml-conf', 'clearml.conf (paste into ~/clearml.conf)', clearmlConf(hosts, created), 9)}
    ${copyable('env-lines', 'Environment variables', envLines(hosts, created), 5)}
  </section>`;
}

/** The columns every credentials table starts with (own and, for admins, another user's); never the secret. */
export const CREDENTIAL_COLUMNS = ['Access key', 'Label', 'Created', 'Last used', 'From'];

export function credentialCells(c: CredentialRecord): Html {
  return html`<td><code class="access-key">${c.access_key}</code></td>
    <td class="label">${c.label ?? ''}</td>
    <td>${when(c.created)}</td>
    <td>${when(c.last_used)}</td>
    <td>${c.last_used_from ?? ''}</td>`;
}

function credentialRow(csrf: string, c: CredentialRecord): Html {
  return html`<tr id="credential-${c.access_key}" data-access-key="${c.access_key}">
    ${credentialCells(c)}
    <td class="actions">
      <form method="post" action="/console/credentials/label" class="inline">
        ${csrfField(csrf)}
        <input type="hidden" name="access_key" value="${c.access_key}" />
        <label for="relabel-${c.access_key}" class="visually-hidden">New label for ${c.access_key}</label>
        <input id="relabel-${c.access_key}" name="label" maxlength="256" value="${c.label ?? ''}" />
        <button type="submit" id="relabel-submit-${c.access_key}">Relabel<span class="visually-hidden"> ${c.access_key}</span></button>
      </form>
      <form method="post" action="/console/credentials/revoke" class="inline">
        ${csrfField(csrf)}
        <input type="hidden" name="access_key" value="${c.access_key}" />
        <button type="submit" id="revoke-${c.access_key}" class="danger">Revoke<span class="visually-hidden"> ${c.access_key}</span></button>
      </form>
    </td>
  </tr>`;
}

function homePage(
  ctx: ConsoleContext,
  session: ConsoleSession,
  credentials: CredentialRecord[],
  extra: { created?: NewCredentials; notice?: string } = {},
): Html {
  const { identity } = session.claims;
  const csrf = session.csrfToken;
  const main = html`${extra.notice && html`<p id="notice" class="notice" role="status">${extra.notice}</p>`}
    ${extra.created && newCredential(ctx.hosts, extra.created)}
    <section id="whoami" aria-labelledby="whoami-title">
      <h2 id="whoami-title">Who am I</h2>
      <dl>
        <dt>Name</dt>
        <dd id="whoami-name">${identity.user_name ?? identity.user}</dd>
        <dt>Company</dt>
        <dd id="whoami-company">${identity.company_name ?? identity.company}</dd>
        <dt>Role</dt>
        <dd id="whoami-role">${identity.role}</dd>
      </dl>
    </section>
    <section id="credentials" aria-labelledby="credentials-title">
      <h2 id="credentials-title">My API credentials</h2>
      <form id="create-credential-form" method="post" action="/console/credentials">
        ${csrfField(csrf)}
        <label for="credential-label">Label</label>
        <input id="credential-label" name="label" maxlength="256" placeholder="e.g. laptop" />
        <button type="submit" id="create-credential">Create credentials</button>
      </form>
      ${
        credentials.length === 0
          ? html`<p id="credentials-empty">You have no API credentials yet.</p>`
          : html`<table id="credentials-table">
              <caption class="visually-hidden">
                My API credentials
              </caption>
              ${columnHeads(...CREDENTIAL_COLUMNS, 'Actions')}
              <tbody>
                ${credentials.map((c) => credentialRow(csrf, c))}
              </tbody>
            </table>`
      }
    </section>`;
  return shellPage({ title: 'Console', assets: ctx.assets, identity, csrfToken: csrf, active: 'home', pageId: 'home', main });
}

function revokeConfirmPage(ctx: ConsoleContext, session: ConsoleSession, credential: CredentialRecord): Html {
  const main = html`<section id="revoke-confirm" aria-labelledby="revoke-title">
    <h2 id="revoke-title">Revoke these credentials?</h2>
    <p>
      Access key <code id="revoke-access-key">${credential.access_key}</code>${credential.label && html` (<span id="revoke-label">${credential.label}</span>)`}:
      every SDK, agent or script using it stops working.
    </p>
    <form id="revoke-confirm-form" method="post" action="/console/credentials/revoke">
      ${csrfField(session.csrfToken)}
      <input type="hidden" name="access_key" value="${credential.access_key}" />
      <input type="hidden" name="confirm" value="yes" />
      <button type="submit" id="revoke-confirm-button" class="danger">Revoke</button>
      <a id="revoke-cancel" href="/console#credentials">Cancel</a>
    </form>
  </section>`;
  return shellPage({
    title: 'Revoke credentials',
    assets: ctx.assets,
    identity: session.claims.identity,
    csrfToken: session.csrfToken,
    active: 'credentials',
    pageId: 'revoke-confirm',
    main,
  });
}

export function field(req: Request, name: string): string | undefined {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredField(req: Request, name: string): string {
  const value = field(req, name);
  if (!value) throw new WardenError('ERR_BAD_REQUEST', `the form is missing ${name}`, { field: name });
  return value;
}

/** The console home: who am I and my API credentials. Mounted behind requireSession. */
export function homeRoutes(ctx: ConsoleContext): Router {
  const { credentials } = ctx.parts;
  const routes = Router();
  const mine = (session: ConsoleSession) => credentials.list(session.claims.identity.user, session.claims.identity.company);

  routes.get('/console', async (req, res) => {
    const session = sessionOf(res);
    const notice = typeof req.query['notice'] === 'string' ? NOTICES[req.query['notice']] : undefined;
    sendPage(res, homePage(ctx, session, await mine(session), { notice }));
  });

  routes.post('/console/credentials', async (req, res) => {
    const session = sessionOf(res);
    const label = field(req, 'label')?.trim() || undefined;
    const created = await credentials.create(session.claims.identity, label, req.ip);
    // Rendered on this answer only (no-store, no redirect): a reload cannot bring the secret back.
    sendPage(res, homePage(ctx, session, await mine(session), { created }), 201);
  });

  routes.post('/console/credentials/label', async (req: Request, res: Response) => {
    const session = sessionOf(res);
    await credentials.relabel(session.claims.identity, requiredField(req, 'access_key'), field(req, 'label')?.trim() ?? '', req.ip);
    res.redirect(303, '/console?notice=relabelled#credentials');
  });

  routes.post('/console/credentials/revoke', async (req, res) => {
    const session = sessionOf(res);
    const accessKey = requiredField(req, 'access_key');
    if (field(req, 'confirm') !== 'yes') {
      const credential = (await mine(session)).find((c) => c.access_key === accessKey);
      if (!credential) throw new WardenError('ERR_INVALID_ACCESS_KEY', 'these credentials do not exist or are not yours');
      return sendPage(res, revokeConfirmPage(ctx, session, credential));
    }
    await credentials.revoke(session.claims.identity, accessKey, req.ip);
    res.redirect(303, '/console?notice=revoked#credentials');
  });
  return routes;
}
