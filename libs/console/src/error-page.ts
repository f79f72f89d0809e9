import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { WardenError } from '@warden/errors';
import { html } from './html';
import { documentPage, shellPage, type AssetUrls } from './layout';
import type { ConsoleSession } from './session';

const TITLES: Record<number, string> = {
  400: 'Request refused',
  403: 'Not allowed',
  404: 'Page not found',
  429: 'Too many requests',
  503: 'Service unavailable',
};

/**
 * Console errors are pages, not ClearML envelopes: the status, a title, the message and the stable
 * code (`#error-code`, which the browser tests read). Unexpected errors are logged and shown as a
 * generic 500, never with their text.
 */
export function consoleErrorPage(assets: AssetUrls, logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    const known = error instanceof WardenError ? error : undefined;
    if (!known) (req.log ?? logger).error({ err: error }, 'console page failed');
    const status = known?.status ?? 500;
    const code = known?.code ?? 'ERR_INTERNAL';
    const message = known?.message ?? 'something went wrong on our side; try again';
    const retryAfter = known?.data['retry_after_sec'];
    if (typeof retryAfter === 'number') res.set('Retry-After', String(Math.ceil(retryAfter)));
    res.locals['errorCode'] = code;
    const title = TITLES[status] ?? (status >= 500 ? 'Server error' : 'Request refused');
    const main = html`<section class="error" role="alert" aria-labelledby="error-title">
      <p id="error-message">${message}</p>
      <p class="muted">Error code: <code id="error-code">${code}</code> (HTTP ${status})</p>
      <p><a id="error-home" href="/console">Back to the console</a></p>
    </section>`;
    const session = res.locals['consoleSession'] as ConsoleSession | undefined;
    const page = session
      ? shellPage({ title, assets, identity: session.claims.identity, csrfToken: session.csrfToken, active: 'home', pageId: 'error', main })
      : documentPage({
          title,
          assets,
          pageId: 'error',
          body: html`<main id="main" class="narrow">
            <h1 id="error-title">${title}</h1>
            ${main}
          </main>`,
        });
    res.status(status).set('Cache-Control', 'no-store').type('html').send(page.markup);
  };
}
