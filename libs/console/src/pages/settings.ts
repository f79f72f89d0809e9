import { Router } from 'express';
import { sendPage, type ConsoleContext } from '../context';
import { html } from '../html';
import { shellPage } from '../layout';
import { requireAdmin, sessionOf } from '../session';

/** Settings pages that exist before their issue lands: Identity Providers (issue 15). */
export function settingsPlaceholderRoutes(ctx: ConsoleContext): Router {
  const routes = Router();
  routes.get('/console/settings/identity-providers', requireAdmin, (_req, res) => {
    const session = sessionOf(res);
    const main = html`<p id="identity-providers-placeholder">
      Identity providers will be managed here. Today they are configured with <code>CLEARML__services__login__sso__…</code> settings.
    </p>`;
    sendPage(
      res,
      shellPage({
        title: 'Identity Providers',
        assets: ctx.assets,
        identity: session.claims.identity,
        csrfToken: session.csrfToken,
        active: 'identity-providers',
        pageId: 'identity-providers',
        main,
      }),
    );
  });
  return routes;
}
