import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { AuthenticateOptions } from 'passport';
import { webPageHeaders } from '@warden/console';
import { WardenError } from '@warden/errors';
import type { CallbackSuccess } from './oidc-strategy';
import { safeReturnPath } from './return-path';
import { LOGIN_PAGE, bindingOf, refuse, startOidc } from './sso-browser';
import type { SsoProvider, SsoService } from './sso-service';

const PROVIDER_PATH = '([a-z][a-z0-9_-]{0,39})';

/**
 * The browser's side of single sign-on on the gateway's web origin:
 *   GET  /login/sso/<p>            start: state, nonce and PKCE, then off to the provider
 *   GET  /callback_<p>             the provider's answer: checks, user, the gateway's session, back to the console
 *   POST /backchannel_logout_<p>   the provider ends a session (OIDC Back-Channel Logout)
 *   GET  /logout_sso/<handle>      one-time redirect to the provider's end-session endpoint
 * Every refusal of a browser flow ends on the login page with its error code; nothing is written.
 * The browser's routes answer with the web origin's page headers (the console's CSP, no-store).
 */
export function ssoRoutes(sso: SsoService): Router {
  const routes = Router();
  const page = webPageHeaders;

  routes.get(new RegExp(`^/login/sso/${PROVIDER_PATH}$`), ...page, (req, res, next) => {
    const name = (req.params as Record<string, string>)[0];
    try {
      const provider = sso.provider(name);
      startOidc(sso, req, res, next, {
        strategy: sso.strategyFor(provider),
        pkce: provider.settings.pkce,
        callbackURL: sso.redirectUri(req, name),
        returnPath: safeReturnPath(req.query['next']),
        onError: (error) => refuse(sso, req, res, name, error),
      });
    } catch (error) {
      refuse(sso, req, res, name, error);
    }
  });

  routes.get(new RegExp(`^/callback_${PROVIDER_PATH}$`), ...page, (req, res, next) => {
    const name = (req.params as Record<string, string>)[0];
    try {
      const provider = sso.provider(name);
      const strategy = sso.strategyFor(provider);
      const options = { session: false, callbackURL: sso.redirectUri(req, name), binding: bindingOf(req) } as AuthenticateOptions;
      sso.passport.authenticate(strategy, options, (error: unknown, success: CallbackSuccess | false) => {
        if (error || !success) return refuse(sso, req, res, name, error ?? new WardenError('ERR_SSO_STATE_UNKNOWN'));
        sso.completeSignIn(req, res, provider, success).then(
          (returnPath) => res.redirect(303, returnPath),
          (failure: unknown) => refuse(sso, req, res, name, failure),
        );
      })(req, res, next);
    } catch (error) {
      refuse(sso, req, res, name, error);
    }
  });

  routes.post(new RegExp(`^/backchannel_logout_${PROVIDER_PATH}$`), express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 10 }), (req, res) => {
    const name = (req.params as Record<string, string>)[0];
    res.set('Cache-Control', 'no-store');
    let provider: SsoProvider;
    try {
      provider = sso.provider(name);
    } catch {
      return res.status(404).json({ error: 'invalid_request', error_description: 'unknown provider' });
    }
    sso.backchannelLogout(provider, (req.body as Record<string, unknown> | undefined)?.['logout_token'], req.ip).then(
      () => res.status(200).end(),
      (error: unknown) => {
        const code = error instanceof WardenError ? error.code : 'ERR_SERVICE_UNAVAILABLE';
        sso.options.logger.warn({ event: 'sso_logout', outcome: 'failure', provider: name, code }, 'back-channel logout refused');
        sso.options.audit.record({ type: 'sso_logout', outcome: 'failure', method: `sso:${name}`, client_ip: req.ip, reason: code });
        // Back-Channel Logout 2.8: 400 for a token that does not verify, 501 is not ours to use.
        res.status(error instanceof WardenError && error.status < 500 ? 400 : 503).json({ error: 'invalid_request', error_description: code });
      },
    );
  });

  routes.get('/logout_sso/:handle', ...page, (req, res, next) => {
    sso.takeLogoutRedirect(String(req.params.handle)).then((url) => res.redirect(303, url ?? LOGIN_PAGE), next);
  });

  // A body the urlencoded parser refuses (too large, too many fields) is the provider's mistake, not ours.
  routes.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!/^\/backchannel_logout_/.test(req.path)) return next(error);
    res.status(400).json({ error: 'invalid_request', error_description: 'ERR_SSO_LOGOUT_TOKEN' });
  });

  return routes;
}
