import { Router, type Request } from 'express';
import type { Registry } from 'prom-client';
import type { GatewayParts } from '@warden/auth-service';
import { WardenError } from '@warden/errors';
import { QUIET_LOG_LOCAL } from '@warden/http';
import type { TokenClaims } from '@warden/tokens';
import { loadAssets } from './assets';
import type { ConsoleContext, SsoProvider } from './context';
import { cspReportRoutes } from './csp-report';
import { consoleErrorPage } from './error-page';
import { consoleHeaders, noStore } from './headers';
import { adminRoutes } from './pages/admin';
import { homeRoutes } from './pages/home';
import { inviteRoutes } from './pages/invite';
import { loginRoutes } from './pages/login';
import { identityProviderRoutes, type IdentityProviders } from './pages/identity-providers';
import { readSession, requireSession } from './session';
import type { PublicHosts } from './settings';

export interface ConsoleOptions {
  parts: GatewayParts;
  /** The directory holding the built console.js and console.css. */
  assetsDir: string;
  hosts: PublicHosts;
  /** The login page's SSO buttons, asked on every render (providers may come and go). */
  ssoProviders?: () => readonly SsoProvider[];
  /**
   * Asked after a console logout ended the session: a path on this origin the browser goes on to
   * (libs/sso's one-time redirect to the identity provider's end-session endpoint), else the login page.
   */
  logoutRedirect?: (claims: TokenClaims, req: Request) => Promise<string | undefined>;
  metricsRegistry?: Registry;
  /** The Identity Providers page's connection operations (libs/sso); without them the page says so. */
  identityProviders?: IdentityProviders;
}

/**
 * The web console on the gateway's origin: `/`, `/login`, `/logout`, `/console/...`. Every answer
 * carries the console's CSP and frame headers; pages are never cached; every signed-in page passes
 * the session guard (and its POSTs the form CSRF check) before any handler runs.
 */
export function createConsole(options: ConsoleOptions): Router {
  const assets = loadAssets(options.assetsDir);
  const { clearml, logger } = options.parts.service.deps;
  const ctx: ConsoleContext = {
    parts: options.parts,
    assets: assets.urls,
    session: { verify: options.parts.verify, cookieName: clearml.session_auth_cookie_name, sessionSecret: options.parts.sessionSecret },
    hosts: options.hosts,
    ssoProviders: options.ssoProviders ?? (() => []),
    logoutRedirect: options.logoutRedirect ?? (async () => undefined),
    logger,
  };
  const routes = Router();
  routes.use(['/console', '/login', '/logout', '/invite'], consoleHeaders);
  routes.get('/', consoleHeaders, noStore);
  routes.use(assets.routes);
  routes.use(cspReportRoutes({ logger, registry: options.metricsRegistry }).routes);
  routes.use(['/console', '/login', '/logout', '/invite'], noStore);

  // Polled every second by the client script: a token check only (signature, expiry, revocation).
  routes.get('/console/session', async (req, res) => {
    const session = await readSession(req, ctx.session);
    // Every open page asks once a second: an access line each time would drown the log.
    res.locals[QUIET_LOG_LOCAL] = true;
    res.status(session ? 200 : 401).json({ active: Boolean(session) });
  });
  routes.use(loginRoutes(ctx));
  routes.use(inviteRoutes(ctx));

  const signedIn = Router();
  signedIn.use(requireSession(ctx.session));
  signedIn.use(homeRoutes(ctx));
  signedIn.use(identityProviderRoutes(ctx, options.identityProviders));
  signedIn.use(adminRoutes(ctx));
  signedIn.use((req, _res, next) => next(new WardenError('ERR_NOT_FOUND', `there is no console page ${req.path}`)));
  // Not mounted under a prefix, so page handlers see whole paths; the check only selects the guard.
  routes.use((req, res, next) => (req.path === '/console' || req.path.startsWith('/console/') ? signedIn(req, res, next) : next()));
  routes.use(consoleErrorPage(assets.urls, logger));
  return routes;
}
