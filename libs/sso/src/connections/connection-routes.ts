import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { loginRedirect, readSession, webPageHeaders, type SessionOptions } from '@warden/console';
import { WardenError } from '@warden/errors';
import type { CompanyAdmin } from '@warden/identity';
import { callbackParameters, finishCallback, takeCallbackState } from '../oidc-strategy';
import { safeReturnPath } from '../return-path';
import { SamlFinishCodes } from '../saml/saml-finish-codes';
import { bindBrowser, bindingOf, refuse, startOidc } from '../sso-browser';
import { readProfile } from '../sso-profile';
import type { SsoService } from '../sso-service';
import { randomToken, type SignInState } from '../state-store';
import type { ConnectionRuntime, ConnectionRuntimes } from './connection-runtime';
import { samlClaims } from './connection-rules';
import type { ConnectionStore } from './connection-store';
import { finishHop, problemPage, testResultPage } from './connection-pages';

/** The ACS reads at most this much body (urlencoded) before parsing: a SAMLResponse is a few KiB. */
export const ACS_BODY_LIMIT = '256kb';
const NOT_FOUND = new Set(['ERR_IDP_CONNECTION_UNKNOWN', 'ERR_IDP_CONNECTION_INACTIVE', 'ERR_IDP_PROTOCOL']);

export interface ConnectionRouteOptions {
  sso: SsoService;
  runtimes: ConnectionRuntimes;
  store: ConnectionStore;
  admin: Pick<CompanyAdmin, 'isAdmin'>;
  session: SessionOptions;
}

type Handler = (req: Request, res: Response, next: NextFunction) => Promise<void>;

/**
 * The browser's side of stored connections, on the gateway's web origin (the URLs connectionUrls derives):
 *   GET  /sso/<id>/login      start: an OIDC authorization request, or a SAML AuthnRequest (signed with the connection's key pair)
 *   GET  /sso/<id>/test       the same, as Test Provider (admins of the connection's company; inactive connections too)
 *   GET  /sso/<id>/callback   OIDC: the provider's answer, then the sign-in (same-site navigation: the binding cookie is sent)
 *   POST /sso/<id>/acs        SAML: the IdP's cross-site POST; the verified result is parked under a one-time code
 *   GET  /sso/<id>/finish     SAML: the same-origin hop that carries the binding cookie; only here the sign-in happens
 *   GET  /sso/<id>/metadata   SAML: this connection's SP metadata
 * An unknown or inactive connection answers 404 with its code; a refused sign-in ends on the login
 * page with its code, a Test Provider run on its result page, which creates no user, link or session.
 */
export function connectionRoutes(options: ConnectionRouteOptions): Router {
  const { sso, runtimes } = options;
  const codes = new SamlFinishCodes(sso.options.redis, sso.prefix);
  const routes = Router();
  const page = webPageHeaders;
  const idOf = (req: Request) => String(req.params['id']);

  /** Runs a handler; a connection that is not there (or not for this) is a 404 page, anything else a refusal. */
  const guarded =
    (handler: Handler) =>
    (req: Request, res: Response, next: NextFunction): void => {
      handler(req, res, next).catch((error: unknown) => {
        if (error instanceof WardenError && NOT_FOUND.has(error.code)) return problemPage(res, 404, error.code, error.message);
        refuse(sso, req, res, `connection-${idOf(req).slice(0, 32)}`, error);
      });
    };

  /** The start of a sign-in (or a test run) through one connection. */
  const start = async (rt: ConnectionRuntime, req: Request, res: Response, next: NextFunction, test: boolean) => {
    const returnPath = test ? '/' : safeReturnPath(req.query['next']);
    const onError = (error: unknown) => (test ? testFailure(res, rt, error) : refuse(sso, req, res, rt.rules.name, error));
    if (rt.protocol === 'oidc') {
      const { strategy, callbackUrl: callbackURL, client } = rt;
      return startOidc(sso, req, res, next, { strategy, pkce: client.settings.pkce, callbackURL, returnPath, test, onError });
    }
    // The RelayState names the state, which remembers the request id: the answer must be to this request.
    const handle = randomToken();
    const { url, requestId } = await rt.sp.loginRequest(handle);
    await sso.states.save({ provider: rt.rules.name, nonce: '', returnPath, binding: bindBrowser(req, res), requestId, ...(test && { test }) }, handle);
    res.redirect(302, url);
  };

  /** What a verified sign-in does: a test run shows it; a real one needs the connection active, then signs in. */
  const complete = async (rt: ConnectionRuntime, state: SignInState, req: Request, res: Response, issuer: string, claims: Record<string, unknown>) => {
    if (state.test) return testSuccess(res, rt, claims);
    if (!rt.doc.active) throw new WardenError('ERR_IDP_CONNECTION_INACTIVE');
    await sso.signInWith(req, res, rt.rules, issuer, claims);
    res.redirect(303, state.returnPath);
  };

  const testSuccess = async (res: Response, rt: ConnectionRuntime, claims: Record<string, unknown>) => {
    try {
      const profile = readProfile(rt.rules, claims);
      const groups = await sso.accounts.groupsFor(rt.rules, rt.doc.company, profile);
      testResultPage(res, { connection: describe(rt), profile, groups, claims });
    } catch (error) {
      testFailure(res, rt, error);
    }
  };

  const testFailure = (res: Response, rt: ConnectionRuntime, error: unknown, provider?: string) => {
    const known = error instanceof WardenError ? error : new WardenError('ERR_SERVICE_UNAVAILABLE');
    if (!(error instanceof WardenError)) sso.options.logger.error({ event: 'idp_test', connection: rt.doc._id, err: error }, 'test provider run failed');
    testResultPage(res, { connection: describe(rt), error: { code: known.code, message: known.message, provider } });
  };

  routes.get(
    '/sso/:id/login',
    ...page,
    guarded(async (req, res, next) => start(await runtimes.of(idOf(req)), req, res, next, false)),
  );

  routes.get(
    '/sso/:id/test',
    ...page,
    guarded(async (req, res, next) => {
      const session = await readSession(req, options.session);
      if (!session) return res.redirect(302, loginRedirect(req));
      const { user, company } = session.claims.identity;
      if (!(await options.admin.isAdmin({ user, company })))
        return problemPage(res, 403, 'ERR_FORBIDDEN', 'only an admin of this company tests its identity providers');
      // Another company's connection is as unknown as one that does not exist.
      await start(runtimes.runtimeOf(await options.store.get(company, idOf(req))), req, res, next, true);
    }),
  );

  routes.get(
    '/sso/:id/metadata',
    guarded(async (req, res) => {
      const rt = await runtimes.of(idOf(req), { inactiveToo: true, protocol: 'saml' });
      if (rt.protocol !== 'saml') return;
      res.set('Cache-Control', 'no-cache').type('application/samlmetadata+xml').send(rt.sp.metadata());
    }),
  );

  routes.get(
    '/sso/:id/callback',
    ...page,
    guarded(async (req, res) => {
      const rt = await runtimes.of(idOf(req), { inactiveToo: true, protocol: 'oidc' });
      if (rt.protocol !== 'oidc') return;
      const query = callbackParameters(req);
      const state = await takeCallbackState(rt.client, sso.states, query, bindingOf(req));
      try {
        const result = await finishCallback(rt.client, state, query, rt.callbackUrl);
        await complete(rt, state, req, res, String(result.claims['iss']), result.claims);
      } catch (error) {
        if (!state.test) throw error;
        testFailure(res, rt, error, [query['error'], query['error_description']].filter(Boolean).join(': ') || undefined);
      }
    }),
  );

  routes.post(
    '/sso/:id/acs',
    ...page,
    express.urlencoded({ extended: false, limit: ACS_BODY_LIMIT, parameterLimit: 10 }),
    guarded(async (req, res) => {
      const rt = await runtimes.of(idOf(req), { inactiveToo: true, protocol: 'saml' });
      if (rt.protocol !== 'saml') return;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const relay = body['RelayState'];
      try {
        if (typeof relay !== 'string' || !relay) throw new WardenError('ERR_SSO_STATE_MISSING', 'the SAML response carries no RelayState naming a sign-in');
        const claims = await rt.sp.verify(body);
        finishHop(res, `/sso/${rt.doc._id}/finish?code=${await codes.park({ connection: rt.doc._id, relay, claims })}`);
      } catch (error) {
        // Only a test run's refusal waits for its browser (to be shown there); a sign-in's goes to the login page.
        const state = await sso.states.peek(relay);
        if (!(state?.test && state.provider === rt.rules.name && error instanceof WardenError)) throw error;
        const parked = { connection: rt.doc._id, relay: relay as string, error: { code: error.code, message: error.message } };
        finishHop(res, `/sso/${rt.doc._id}/finish?code=${await codes.park(parked)}`);
      }
    }),
  );

  routes.get(
    '/sso/:id/finish',
    ...page,
    guarded(async (req, res) => {
      const rt = await runtimes.of(idOf(req), { inactiveToo: true, protocol: 'saml' });
      const parked = await codes.take(req.query['code']);
      if (parked.connection !== rt.doc._id) throw new WardenError('ERR_SSO_STATE_PROVIDER');
      // The browser that started the sign-in, and only it, carries the cookie the state is bound to.
      const state = await sso.states.take(parked.relay, bindingOf(req));
      if (state.provider !== rt.rules.name) throw new WardenError('ERR_SSO_STATE_PROVIDER');
      if (parked.error) {
        if (!state.test) throw new WardenError('ERR_SSO_STATE_UNKNOWN');
        return testFailure(res, rt, new WardenError(parked.error.code as never, parked.error.message), parked.error.message);
      }
      const claims = parked.claims!;
      // The response answered the request this browser's sign-in sent, not another sign-in's.
      if (state.requestId !== claims.inResponseTo) throw new WardenError('ERR_SSO_STATE_FOREIGN');
      await complete(rt, state, req, res, claims.issuer, samlClaims(claims));
    }),
  );

  // A body the ACS's parser refuses: too large is its own code; anything else is a malformed response.
  routes.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    const id = /^\/sso\/([^/]{1,64})\/acs$/.exec(req.path)?.[1];
    if (!id) return next(error);
    const type = (error as { type?: unknown }).type;
    const code = type === 'entity.too.large' ? 'ERR_SAML_RESPONSE_TOO_LARGE' : 'ERR_SAML_RESPONSE_INVALID';
    refuse(sso, req, res, `connection-${id.slice(0, 32)}`, new WardenError(code));
  });

  return routes;
}

function describe(rt: ConnectionRuntime) {
  return { id: rt.doc._id, display_name: rt.doc.display_name, protocol: rt.doc.protocol };
}
