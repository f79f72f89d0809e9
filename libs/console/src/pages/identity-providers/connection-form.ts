import type { WardenError } from '@warden/errors';
import { csrfField } from '../../csrf';
import { html, type Html } from '../../html';
import { when } from '../home';
import { fieldId, sectionsOf, valueAt, type FieldSpec } from './connection-fields';
import type { IdpConnection, IdpProtocol } from './port';

export const IDP_PATH = '/console/settings/identity-providers';

export interface FormState {
  protocol: IdpProtocol;
  provider: string;
  providerLabel: string;
  /** A preset's defaults, a saved connection, or what was just sent (never a secret). */
  values: Record<string, unknown>;
  /** Set when editing: its id, derived URLs and which secrets are set. */
  saved?: IdpConnection;
  error?: WardenError;
}

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

function hint(field: FieldSpec, id: string): Html | false {
  return field.hint !== undefined && html`<span class="hint" id="${id}-hint">${field.hint}</span>`;
}

function derived(field: FieldSpec, id: string, saved?: IdpConnection): Html {
  const value = saved && str(saved[field.name]);
  if (!value) return html`<p id="${id}" class="muted">Shown once saved: the web app URL, /sso/, the connection's id.</p>`;
  return html`<div class="copyable">
    <input id="${id}" readonly value="${value}" aria-describedby="${id}-hint" />
    <button type="button" id="copy-${id}" class="copy" data-copy-target="${id}" hidden>Copy</button>
    <span class="copy-status" id="copy-${id}-status" role="status" aria-live="polite"></span>
  </div>`;
}

/** A write-only field: never filled in; an edit says whether one is set and takes a replacement. */
function secret(field: FieldSpec, id: string, saved?: IdpConnection): Html {
  const isSet = saved?.[`${field.name}_set`] === true;
  const state = saved && html`<span class="secret-state" id="${id}-state">${isSet ? 'set' : 'not set'}</span>`;
  const input =
    field.kind === 'secret'
      ? html`<input id="${id}" name="${field.name}" type="password" autocomplete="new-password" aria-describedby="${id}-hint" />`
      : html`<textarea id="${id}" name="${field.name}" rows="4" spellcheck="false" autocomplete="off" aria-describedby="${id}-hint"></textarea>`;
  return html`${state} ${input}
    <span class="hint">${isSet ? 'Leave empty to keep the saved one; anything typed here replaces it.' : ''}</span>`;
}

function metadata(id: string, values: Record<string, unknown>, saved?: IdpConnection): Html {
  const idp = saved?.['idp'] as { entity_id?: string; sso_url?: string; certs_valid_until?: Date } | undefined;
  return html`${
    idp &&
    html`<p id="idp-metadata-current" class="muted">
      Saved: IdP <code>${idp.entity_id}</code>, sign-in at <code>${idp.sso_url}</code>, signing certificate valid until ${when(idp.certs_valid_until)}.
      Leave the fields below empty to keep it.
    </p>`
  }
    <input type="file" id="${id}-file" accept=".xml,application/xml,text/xml,application/samlmetadata+xml" data-file-target="${id}" hidden />
    <label for="${id}" class="sub">IdP metadata XML</label>
    <textarea id="${id}" name="idp_metadata" rows="4" spellcheck="false" autocomplete="off" aria-describedby="${id}-hint">${str(values['idp_metadata'])}</textarea>
    <label for="${id}_url" class="sub">or the URL it is published at (the gateway downloads it)</label>
    <input id="${id}_url" name="idp_metadata_url" type="url" value="${str(values['idp_metadata_url'])}" />`;
}

function control(field: FieldSpec, values: Record<string, unknown>, saved?: IdpConnection): Html {
  const id = fieldId(field.name);
  const value = valueAt(values, field.name);
  switch (field.kind) {
    case 'checkbox':
      return html`<div class="field check">
        <label><input type="checkbox" id="${id}" name="${field.name}" value="yes" ${value === true && html`checked`} aria-describedby="${id}-hint" /> ${field.label}</label>
        ${hint(field, id)}
      </div>`;
    case 'select':
      return html`<div class="field">
        <label for="${id}">${field.label}</label>
        <select id="${id}" name="${field.name}" aria-describedby="${id}-hint">
          ${field.options!.map(([v, label]) => html`<option value="${v}" ${v === value && html`selected`}>${label}</option>`)}
        </select>
        ${hint(field, id)}
      </div>`;
    default:
      return html`<div class="field">
        <label for="${id}">${field.label}${field.required && html` <span class="muted">(required)</span>`}</label>
        ${field.kind === 'derived' && derived(field, id, saved)} ${(field.kind === 'secret' || field.kind === 'secret-text') && secret(field, id, saved)}
        ${field.kind === 'metadata' && metadata(id, values, saved)}
        ${field.kind === 'textarea' && html`<textarea id="${id}" name="${field.name}" rows="4" spellcheck="false" aria-describedby="${id}-hint">${str(value)}</textarea>`}
        ${
          (field.kind === 'text' || field.kind === 'url') &&
          html`<input id="${id}" name="${field.name}" type="${field.kind}" value="${str(value)}" autocomplete="off" aria-describedby="${id}-hint" />`
        }
        ${hint(field, id)}
      </div>`;
  }
}

function formError(error: WardenError): Html {
  return html`<p id="idp-form-error" class="alert" role="alert" data-code="${error.code}" data-field="${str(error.data['field'])}">
    ${error.message} <span class="muted">(${error.code}; secrets and keys you typed were not kept: enter them again)</span>
  </p>`;
}

/** The Provider Connection Configuration form: a new connection (from a preset) or a saved one. */
export function connectionForm(csrf: string, state: FormState): Html {
  const { saved } = state;
  const action = saved ? `${IDP_PATH}/${saved.id}` : IDP_PATH;
  return html`${state.error && formError(state.error)}
    <form id="idp-form" method="post" action="${action}" data-protocol="${state.protocol}">
      ${csrfField(csrf)}
      ${!saved && html`<input type="hidden" name="protocol" value="${state.protocol}" /><input type="hidden" name="provider" value="${state.provider}" />`}
      <p>
        Protocol <strong id="idp-form-protocol">${state.protocol.toUpperCase()}</strong>, provider
        <strong id="idp-form-provider" data-provider="${state.provider}">${state.providerLabel}</strong>
      </p>
      ${sectionsOf(state.protocol).map(
        (section) => html`<fieldset id="idp-section-${section.id}">
          <legend>${section.title}</legend>
          ${section.fields.map((field) => control(field, state.values, saved))}
        </fieldset>`,
      )}
      <div class="form-actions">
        <button type="submit" id="idp-save">Save</button>
        <a id="idp-cancel" href="${IDP_PATH}">Cancel</a>
      </div>
    </form>`;
}
