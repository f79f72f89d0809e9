import { Router, type Request, type Response } from 'express';
import { WardenError } from '@warden/errors';
import type { ConsoleContext } from '../../context';
import { html } from '../../html';
import { sessionOf } from '../../session';
import { field, requiredField } from '../home';
import { actorOf, noticeOf, requireCompanyAdmin, sendAdminPage } from '../admin/admin-page';
import { formFields } from './connection-fields';
import { IDP_PATH, connectionForm, type FormState } from './connection-form';
import { activeToggle, connectionsList, deleteConfirm, newConnectionChoice, presetLabel, testLink } from './connection-pages';
import type { IdentityProviders, IdpProtocol } from './port';

export type { IdentityProviders } from './port';
export { IDP_PATH } from './connection-form';

const NOTICES: Record<string, string> = {
  created: 'The connection was saved, inactive: test it, then turn it on.',
  updated: 'The connection was saved.',
  activated: 'The connection is active: its button is on the login page.',
  deactivated: 'The connection is off: it no longer signs anyone in.',
  deleted: 'The connection was deleted.',
};

/** Refusals of a connection's fields re-show the form with the message; others get the error page. */
const isFieldRefusal = (error: unknown): error is WardenError =>
  error instanceof WardenError && /^ERR_(IDP|SAML)_/.test(error.code) && error.code !== 'ERR_IDP_CONNECTION_UNKNOWN';

const bodyOf = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

function protocolOf(value: unknown): IdpProtocol {
  if (value !== 'oidc' && value !== 'saml') throw new WardenError('ERR_IDP_FIELD_INVALID', 'protocol must be oidc or saml', { field: 'protocol' });
  return value;
}

function presetOf(port: IdentityProviders, protocol: IdpProtocol, provider: unknown) {
  const preset = port.presets[protocol].find((p) => p.id === provider);
  if (!preset) {
    const known = port.presets[protocol].map((p) => p.id).join(', ');
    throw new WardenError('ERR_IDP_FIELD_INVALID', `provider must be one of ${known} for ${protocol}`, { field: 'provider' });
  }
  return preset;
}

/** The metadata as the API takes it: pasted (or read from a file by the script) XML, or downloaded from its URL. */
async function withMetadata(port: IdentityProviders, req: Request, data: Record<string, unknown>): Promise<Record<string, unknown>> {
  const xml = field(req, 'idp_metadata')?.trim();
  const url = field(req, 'idp_metadata_url')?.trim();
  if (xml && url) throw new WardenError('ERR_IDP_FIELD_INVALID', 'give the IdP metadata as a file or XML, or as a URL, not both', { field: 'idp_metadata' });
  if (xml) return { ...data, idp_metadata: xml };
  if (url) return { ...data, idp_metadata: await port.fetchMetadata(url) };
  return data;
}

/** What a refused form shows again: the fields as sent, never a secret (formFields keeps them, so drop them). */
function sentValues(protocol: IdpProtocol, req: Request): Record<string, unknown> {
  const values = formFields(protocol, bodyOf(req));
  delete values['client_secret'];
  delete values['private_key'];
  return { ...values, idp_metadata: field(req, 'idp_metadata'), idp_metadata_url: field(req, 'idp_metadata_url') };
}

/**
 * /console/settings/identity-providers: the Provider Connections table (Active toggle, Name,
 * Provider, Protocol, ID, Last Update; edit, test and delete per row), "+ New Connection" (protocol
 * and provider, then the configuration form with the preset filled in), edit, delete with a
 * confirmation. Plain forms and pages: the script only adds copying and the metadata file reader.
 */
export function identityProviderRoutes(ctx: ConsoleContext, port: IdentityProviders | undefined): Router {
  const routes = Router();
  routes.use(IDP_PATH, requireCompanyAdmin(ctx));
  const page = (res: Response, title: string, pageId: string, main: ReturnType<typeof html>, status = 200) =>
    sendAdminPage(ctx, res, { title, active: 'identity-providers', pageId, main }, status);

  if (!port) {
    routes.get(IDP_PATH, (_req, res) =>
      page(
        res,
        'Identity Providers',
        'identity-providers',
        html`<p id="identity-providers-placeholder">Identity-provider connections are not available on this gateway.</p>`,
      ),
    );
    return routes;
  }

  const showForm = (res: Response, state: FormState, status = 200, notice?: string) =>
    page(
      res,
      state.saved ? `Connection ${state.saved.display_name}` : 'New Provider Connection',
      state.saved ? 'identity-provider' : 'identity-provider-form',
      html`${notice && html`<p id="notice" class="notice" role="status">${notice}</p>`}
      ${
        state.saved &&
        html`<p class="row-actions">
          ${activeToggle(sessionOf(res).csrfToken, state.saved)} ${testLink(state.saved.id, 'idp-test')}
          <span class="muted">Test Provider runs a real login in a new window and shows the claims and groups it maps; no user or session is made.</span>
        </p>`
      }
      ${connectionForm(sessionOf(res).csrfToken, state)}`,
      status,
    );

  routes.get(IDP_PATH, async (req, res) => {
    const notice = noticeOf(req, NOTICES);
    const list = connectionsList(sessionOf(res).csrfToken, port, await port.list(actorOf(req, res)));
    page(res, 'Identity Providers', 'identity-providers', html`${notice && html`<p id="notice" class="notice" role="status">${notice}</p>`} ${list}`);
  });

  routes.get(`${IDP_PATH}/new`, (req, res) => {
    if (req.query['protocol'] === undefined) return page(res, 'New Provider Connection', 'identity-provider-new', newConnectionChoice(port));
    const protocol = protocolOf(req.query['protocol']);
    const preset = presetOf(port, protocol, req.query['provider']);
    const values = { web_app_url: ctx.hosts.web, ...preset.defaults };
    showForm(res, { protocol, provider: preset.id, providerLabel: preset.label, values });
  });

  routes.post(IDP_PATH, async (req, res) => {
    const protocol = protocolOf(field(req, 'protocol'));
    const preset = presetOf(port, protocol, field(req, 'provider'));
    try {
      const data = await withMetadata(port, req, { ...formFields(protocol, bodyOf(req)), protocol, provider: preset.id });
      const created = await port.create(actorOf(req, res), data);
      res.redirect(303, `${IDP_PATH}/${encodeURIComponent(created.id)}?notice=created`);
    } catch (error) {
      if (!isFieldRefusal(error)) throw error;
      showForm(res, { protocol, provider: preset.id, providerLabel: preset.label, values: sentValues(protocol, req), error }, error.status);
    }
  });

  routes.post(`${IDP_PATH}/active`, async (req, res) => {
    const value = requiredField(req, 'active');
    if (value !== 'true' && value !== 'false') throw new WardenError('ERR_BAD_REQUEST', 'active must be true or false', { field: 'active' });
    await port.setActive(actorOf(req, res), requiredField(req, 'id'), value === 'true');
    res.redirect(303, `${IDP_PATH}?notice=${value === 'true' ? 'activated' : 'deactivated'}`);
  });

  routes.post(`${IDP_PATH}/delete`, async (req, res) => {
    const actor = actorOf(req, res);
    const id = requiredField(req, 'id');
    if (field(req, 'confirm') !== 'yes')
      return page(res, 'Delete connection', 'identity-provider-delete', deleteConfirm(sessionOf(res).csrfToken, await port.get(actor, id)));
    await port.remove(actor, id);
    res.redirect(303, `${IDP_PATH}?notice=deleted`);
  });

  routes.get(`${IDP_PATH}/:id`, async (req, res) => {
    const saved = await port.get(actorOf(req, res), req.params['id']);
    const state = { protocol: saved.protocol, provider: saved.provider, providerLabel: presetLabel(port.presets, saved), values: saved, saved };
    showForm(res, state, 200, noticeOf(req, NOTICES));
  });

  routes.post(`${IDP_PATH}/:id`, async (req, res) => {
    const actor = actorOf(req, res);
    const saved = await port.get(actor, req.params['id']);
    try {
      const data = await withMetadata(port, req, { ...formFields(saved.protocol, bodyOf(req)), id: saved.id });
      await port.update(actor, data);
      res.redirect(303, `${IDP_PATH}?notice=updated`);
    } catch (error) {
      if (!isFieldRefusal(error)) throw error;
      const values = { ...saved, ...sentValues(saved.protocol, req) };
      showForm(
        res,
        { protocol: saved.protocol, provider: saved.provider, providerLabel: presetLabel(port.presets, saved), values, saved, error },
        error.status,
      );
    }
  });
  return routes;
}
