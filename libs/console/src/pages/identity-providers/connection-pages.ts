import { csrfField } from '../../csrf';
import { columnHeads, html, type Html } from '../../html';
import { when } from '../home';
import { IDP_PATH } from './connection-form';
import type { IdpConnection, IdpPreset, IdentityProviders } from './port';

export const presetLabel = (presets: IdentityProviders['presets'], c: Pick<IdpConnection, 'protocol' | 'provider'>) =>
  presets[c.protocol].find((p) => p.id === c.provider)?.label ?? c.provider;

/** The Active toggle: a one-button form, a switch to assistive technology. */
export function activeToggle(csrf: string, c: IdpConnection): Html {
  return html`<form method="post" action="${IDP_PATH}/active" class="inline">
    ${csrfField(csrf)}<input type="hidden" name="id" value="${c.id}" /><input type="hidden" name="active" value="${c.active ? 'false' : 'true'}" />
    <button type="submit" id="idp-active-${c.id}" class="switch" role="switch" aria-checked="${c.active ? 'true' : 'false'}">
      ${c.active ? 'On' : 'Off'}<span class="visually-hidden"> (active) ${c.display_name}</span>
    </button>
  </form>`;
}

/** Opens /sso/<id>/test in a separate window: a real login whose result page shows the mapped claims and groups. */
export const testLink = (id: string, elementId: string) => html`<a id="${elementId}" href="/sso/${id}/test" target="_blank" rel="noopener">Test Provider</a>`;

function connectionRow(csrf: string, presets: IdentityProviders['presets'], c: IdpConnection): Html {
  return html`<tr id="idp-${c.id}" data-connection-id="${c.id}" data-protocol="${c.protocol}" data-active="${c.active ? 'true' : 'false'}">
    <td class="active">${activeToggle(csrf, c)}</td>
    <td class="name">${c.display_name}</td>
    <td class="provider">${presetLabel(presets, c)}</td>
    <td class="protocol">${c.protocol.toUpperCase()}</td>
    <td class="id">
      <button type="button" class="copy-id" id="idp-copy-id-${c.id}" data-copy-text="${c.id}" title="Copy the ID"><code>${c.id}</code></button>
      <span class="copy-status" id="idp-copy-id-${c.id}-status" role="status" aria-live="polite"></span>
    </td>
    <td class="last-update">${when(c.last_update)}</td>
    <td class="actions hover-actions">
      <a id="idp-edit-${c.id}" href="${IDP_PATH}/${c.id}">Edit<span class="visually-hidden"> ${c.display_name}</span></a>
      ${testLink(c.id, `idp-test-${c.id}`)}
      <form method="post" action="${IDP_PATH}/delete" class="inline">
        ${csrfField(csrf)}<input type="hidden" name="id" value="${c.id}" />
        <button type="submit" id="idp-delete-${c.id}" class="danger">Delete<span class="visually-hidden"> ${c.display_name}</span></button>
      </form>
    </td>
  </tr>`;
}

/** The Provider Connections table, and the operator's env-configured providers beside it (read-only). */
export function connectionsList(csrf: string, port: IdentityProviders, connections: IdpConnection[]): Html {
  const env = port.envProviders();
  return html`<p><a id="idp-new" class="button" href="${IDP_PATH}/new">+ New Connection</a></p>
    <section id="idp-connections" aria-labelledby="idp-connections-title">
      <h2 id="idp-connections-title">Provider Connections</h2>
      ${
        connections.length === 0
          ? html`<p id="idp-empty">No connections yet.</p>`
          : html`<table id="idp-table">
              ${columnHeads('Active', 'Name', 'Provider', 'Protocol', 'ID', 'Last Update', 'Actions')}
              <tbody>
                ${connections.map((c) => connectionRow(csrf, port.presets, c))}
              </tbody>
            </table>`
      }
    </section>
    <section id="idp-env" aria-labelledby="idp-env-title">
      <h2 id="idp-env-title">Configured by the operator</h2>
      <p class="muted">These providers come from the gateway's settings (<code>CLEARML__services__login__sso__…</code>): always active, changed only there.</p>
      ${
        env.length === 0
          ? html`<p id="idp-env-empty">None.</p>`
          : html`<table id="idp-env-table">
              ${columnHeads('Name', 'Provider', 'Protocol', 'Settings name')}
              <tbody>
                ${env.map(
                  (p) => html`<tr id="idp-env-${p.name}" data-name="${p.name}">
                    <td class="name">${p.displayName}</td>
                    <td class="provider">Operator settings</td>
                    <td class="protocol">OIDC</td>
                    <td><code>${p.name}</code></td>
                  </tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>`;
}

function presetOptions(protocol: string, presets: readonly IdpPreset[]): Html {
  return html`<optgroup label="${protocol.toUpperCase()}" data-protocol="${protocol}">
    ${presets.map((p) => html`<option value="${p.id}" data-protocol="${protocol}">${p.label}</option>`)}
  </optgroup>`;
}

/** New Provider Connection, step one: a protocol and a provider (a GET form, so Next works without a script). */
export function newConnectionChoice(port: IdentityProviders): Html {
  return html`<section id="idp-new-connection" class="modal-panel" role="dialog" aria-labelledby="idp-new-title">
    <h2 id="idp-new-title">New Provider Connection</h2>
    <form id="idp-choose-form" method="get" action="${IDP_PATH}/new">
      <fieldset>
        <legend>Protocol</legend>
        <label><input type="radio" id="idp-protocol-oidc" name="protocol" value="oidc" checked /> OIDC</label>
        <label><input type="radio" id="idp-protocol-saml" name="protocol" value="saml" /> SAML</label>
      </fieldset>
      <label for="idp-provider">Provider</label>
      <select id="idp-provider" name="provider">
        ${presetOptions('oidc', port.presets.oidc)} ${presetOptions('saml', port.presets.saml)}
      </select>
      <div class="form-actions">
        <button type="submit" id="idp-next">Next</button>
        <a id="idp-cancel" href="${IDP_PATH}">Cancel</a>
      </div>
    </form>
  </section>`;
}

export function deleteConfirm(csrf: string, c: IdpConnection): Html {
  return html`<section id="idp-delete" aria-labelledby="idp-delete-title">
    <h2 id="idp-delete-title">Delete this connection?</h2>
    <p>
      <strong id="idp-delete-name">${c.display_name}</strong> (${c.protocol.toUpperCase()}, <code>${c.id}</code>): its button leaves the login page
      and its users can no longer sign in through it. Their accounts stay.
    </p>
    <form id="idp-delete-form" method="post" action="${IDP_PATH}/delete">
      ${csrfField(csrf)}<input type="hidden" name="id" value="${c.id}" /><input type="hidden" name="confirm" value="yes" />
      <button type="submit" id="idp-delete-confirm" class="danger">Delete</button>
      <a id="idp-delete-cancel" href="${IDP_PATH}">Cancel</a>
    </form>
  </section>`;
}
