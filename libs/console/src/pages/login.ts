import { Router, type Request, type Response } from 'express';
import { endBrowserSession, webLoginEnabled } from '@warden/auth-service';
import { ERROR_TABLE, WardenError, type ErrorCode } from '@warden/errors';
import { sendPage, type ConsoleContext } from '../context';
import { LoginCsrf, assertFormCsrf, csrfField, formBody } from '../csrf';
import { html, type Html } from '../html';
import { documentPage } from '../layout';
import { HOME_PATH, safeNext } from '../redirect';
import { readSession } from '../session';

const MAX_USERNAME = 256;
const MAX_PASSWORD = 1024;

interface LoginProblem {
  code: string;
  message: string;
  status: number;
}

function duration(sec: number): string {
  if (sec < 90) return `${sec} second${sec === 1 ? '' : 's'}`;
  const min = Math.ceil(sec / 60);
  return `${min} minutes`;
}

/** What the person at the login form is told: enough to act on, nothing an attacker learns more from. */
function problemOf(error: WardenError): LoginProblem {
  switch (error.code) {
    case 'ERR_INVALID_CREDENTIALS':
    case 'ERR_CREDENTIALS_REVOKED':
      return { code: 'ERR_INVALID_CREDENTIALS', status: 401, message: 'Wrong username or password.' };
    case 'ERR_USER_DISABLED':
      return { code: error.code, status: 403, message: 'This account is disabled. Ask an administrator of your company to enable it.' };
    case 'ERR_RATE_LIMITED': {
      const sec = Number(error.data['retry_after_sec'] ?? 60);
      return { code: error.code, status: 429, message: `Too many failed logins: locked out. Try again in ${duration(sec)}.` };
    }
    case 'ERR_SERVICE_UNAVAILABLE':
      return { code: error.code, status: 503, message: 'Logins are unavailable right now. Try again in a minute.' };
    default:
      return { code: error.code, status: error.status, message: error.message };
  }
}

function loginPage(ctx: ConsoleContext, options: { csrf: string; next: string; username?: string; problem?: LoginProblem; webLogin: boolean }): Html {
  const providers = ctx.ssoProviders();
  const form = options.webLogin
    ? html`<form id="login-form" method="post" action="/login" novalidate>
        ${csrfField(options.csrf)}
        <input type="hidden" name="next" value="${options.next}" />
        <p>
          <label for="username">Username</label>
          <input
            id="username"
            name="username"
            type="text"
            autocomplete="username"
            required
            maxlength="${MAX_USERNAME}"
            value="${options.username ?? ''}"
            autofocus
          />
        </p>
        <p>
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="${MAX_PASSWORD}" />
        </p>
        <p><button id="login-submit" type="submit">Log in</button></p>
      </form>`
    : html`<p id="login-disabled" role="status">Web login with a username and password is disabled on this server.</p>`;
  const sso =
    providers.length > 0 &&
    html`<section aria-labelledby="sso-title">
      <h2 id="sso-title">Or log in with</h2>
      <ul id="sso-providers">
        ${providers.map((p) => html`<li><a class="button sso-button" id="sso-${p.name}" href="${p.startUrl}">${p.displayName}</a></li>`)}
      </ul>
    </section>`;
  const problem = options.problem && html`<p id="login-error" class="alert" role="alert" data-code="${options.problem.code}">${options.problem.message}</p>`;
  const body = html`<main id="main" class="narrow login">
    <h1>Log in to Warden</h1>
    ${problem} ${form} ${sso}
  </main>`;
  return documentPage({ title: 'Log in', assets: ctx.assets, body, pageId: 'login' });
}

/** After logout: on to the identity provider's logout (a path on this origin that redirects there). */
function continuePage(ctx: ConsoleContext, onward: string): Html {
  const body = html`<main id="main" class="narrow login">
    <h1>Logged out</h1>
    <p id="logout-continue-text">Warden ended your session. Your identity provider's session ends next.</p>
    <p><a class="button" id="logout-continue" href="${onward}">Continue</a></p>
  </main>`;
  return documentPage({ title: 'Logged out', assets: ctx.assets, body, pageId: 'logout-continue', refresh: onward });
}

// A refused single sign-on lands here as /login?error=<code> (libs/sso): only those codes are shown,
// with the error table's own text, so the query string cannot put words on the page.
const SSO_PAGE_CODES = new Set(['ERR_USER_DISABLED', 'ERR_SERVICE_UNAVAILABLE', 'ERR_USERNAME_TAKEN']);
function ssoProblem(code: unknown): LoginProblem | undefined {
  if (typeof code !== 'string' || !Object.hasOwn(ERROR_TABLE, code) || !(code.startsWith('ERR_SSO_') || SSO_PAGE_CODES.has(code))) return undefined;
  const known = code as ErrorCode;
  return { code: known, status: 200, message: `Single sign-on failed: ${ERROR_TABLE[known].message}.` };
}

function field(req: Request, name: string): string | undefined {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** GET/POST /login, POST /logout and GET /. */
export function loginRoutes(ctx: ConsoleContext): Router {
  const { parts } = ctx;
  const { clearml, gateway } = parts.service.deps;
  const loginCsrf = new LoginCsrf(parts.sessionSecret);
  const webLogin = () => webLoginEnabled(clearml, gateway);
  const routes = Router();

  const render = (req: Request, res: Response, next: string, extra: { username?: string; problem?: LoginProblem } = {}) =>
    sendPage(res, loginPage(ctx, { csrf: loginCsrf.issue(req, res), next, webLogin: webLogin(), ...extra }), extra.problem?.status ?? 200);

  routes.get('/', async (req, res) => {
    res.redirect(302, (await readSession(req, ctx.session)) ? HOME_PATH : '/login');
  });

  routes.get('/login', async (req, res) => {
    const next = safeNext(req.query['next']);
    if (await readSession(req, ctx.session)) return res.redirect(302, next);
    render(req, res, next, { problem: ssoProblem(req.query['error']) });
  });

  routes.post('/login', formBody, async (req, res) => {
    const next = safeNext(field(req, 'next'));
    if (!webLogin())
      return render(req, res, next, { problem: { code: 'ERR_WEB_LOGIN_DISABLED', status: 403, message: 'Web login is disabled on this server.' } });
    // No login without this browser's form token (against login CSRF).
    loginCsrf.assert(req);
    const username = field(req, 'username') ?? '';
    const password = field(req, 'password') ?? '';
    if (!username || !password)
      return render(req, res, next, { username, problem: { code: 'ERR_BAD_REQUEST', status: 400, message: 'Enter your username and password.' } });
    if (username.length > MAX_USERNAME || password.length > MAX_PASSWORD)
      return render(req, res, next, { problem: { code: 'ERR_INVALID_CREDENTIALS', status: 401, message: 'Wrong username or password.' } });
    parts.assertReady();
    try {
      const issued = await parts.service.login({ id: username, secret: password, clientIp: req.ip ?? '' });
      if (issued.claims.auth.password_change_required) {
        const message = 'An administrator reset your password: change it (auth.change_password) before you log in here.';
        return render(req, res, next, { username, problem: { code: 'ERR_PASSWORD_CHANGE_REQUIRED', status: 403, message } });
      }
      parts.answerLogin(req, res, issued);
      res.redirect(303, next);
    } catch (error) {
      if (!(error instanceof WardenError)) throw error;
      const problem = problemOf(error);
      if (typeof error.data['retry_after_sec'] === 'number') res.set('Retry-After', String(error.data['retry_after_sec']));
      render(req, res, next, { username, problem });
    }
  });

  routes.post('/logout', formBody, async (req, res) => {
    const session = await readSession(req, ctx.session);
    if (!session) return res.redirect(303, '/login');
    assertFormCsrf(req, session.claims.session_id, parts.sessionSecret);
    await endBrowserSession(parts.service, session.claims, req, res);
    const onward = await ctx.logoutRedirect(session.claims, req);
    if (onward === undefined) return res.redirect(303, '/login');
    // An SSO login's IdP logout goes on through the provider's end-session endpoint. Not as a
    // redirect: Chromium applies form-action 'self' to every redirect that follows a form
    // submission, so a 303 on to the provider would be blocked and the provider's session would
    // survive. A page that moves on by itself (meta refresh, a link; no script) is a new navigation.
    sendPage(res, continuePage(ctx, safeNext(onward)));
  });
  return routes;
}
