import { Router, type Request, type Response } from 'express';
import { WardenError } from '@warden/errors';
import { LOG_PATH_LOCAL } from '@warden/http';
import type { UserRecord } from '@warden/identity';
import { sendPage, type ConsoleContext } from '../context';
import { LoginCsrf, csrfField, formBody } from '../csrf';
import { html, type Html } from '../html';
import { documentPage } from '../layout';
import { INVITE_PATH } from './admin/invitation-link';
import { field } from './home';

const MAX_PASSWORD = 1024;
// Problems the invited person can fix on the page itself; anything else is the error page.
const FIXABLE = new Set(['ERR_PASSWORD_POLICY', 'ERR_BAD_REQUEST']);

interface Problem {
  code: string;
  message: string;
}

function invitePage(ctx: ConsoleContext, token: string, user: UserRecord, csrf: string, problem?: Problem): Html {
  const body = html`<main id="main" class="narrow login">
    <h1>Welcome to Warden</h1>
    <p>
      Set a password for <strong id="invite-username">${user.username}</strong> in <span id="invite-company">${user.company_name}</span>. This link works once.
    </p>
    ${problem && html`<p id="invite-error" class="alert" role="alert" data-code="${problem.code}">${problem.message}</p>`}
    <form id="invite-form" method="post" action="${INVITE_PATH}/${token}" novalidate>
      ${csrfField(csrf)}
      <input type="text" name="username" value="${user.username}" autocomplete="username" hidden />
      <p>
        <label for="invite-password">New password</label>
        <input id="invite-password" name="password" type="password" autocomplete="new-password" required maxlength="${MAX_PASSWORD}" />
      </p>
      <p>
        <label for="invite-password-confirm">Repeat the password</label>
        <input id="invite-password-confirm" name="password_confirm" type="password" autocomplete="new-password" required maxlength="${MAX_PASSWORD}" />
      </p>
      <p><button id="invite-submit" type="submit">Set password</button></p>
    </form>
  </main>`;
  return documentPage({ title: 'Set your password', assets: ctx.assets, body, pageId: 'invite' });
}

function donePage(ctx: ConsoleContext, user: UserRecord): Html {
  const body = html`<main id="main" class="narrow login">
    <h1>Your password is set</h1>
    <p id="invite-done">You can now log in as <strong>${user.username}</strong>.</p>
    <p><a id="invite-login-link" class="button" href="/login">Log in</a></p>
  </main>`;
  return documentPage({ title: 'Password set', assets: ctx.assets, body, pageId: 'invite-done' });
}

/**
 * `/invite/<token>`: the invited person sets a password. Signed out, so the form is protected like
 * the login form (a nonce cookie scoped to /invite). The token is the path's secret: the access log
 * gets the path without it, and the page is never cached or sent as a referrer (console headers).
 */
export function inviteRoutes(ctx: ConsoleContext): Router {
  const { users } = ctx.parts.admin;
  const csrf = new LoginCsrf(ctx.parts.sessionSecret, INVITE_PATH);
  const routes = Router();

  routes.use(INVITE_PATH, (_req, res, next) => {
    res.locals[LOG_PATH_LOCAL] = `${INVITE_PATH}/<token>`;
    next();
  });

  const render = (req: Request, res: Response, token: string, user: UserRecord, problem?: Problem & { status: number }) =>
    sendPage(res, invitePage(ctx, token, user, csrf.issue(req, res), problem), problem?.status ?? 200);

  routes.get(`${INVITE_PATH}/:token`, async (req, res) => {
    ctx.parts.assertReady();
    const token = req.params['token'];
    const { user } = await users.invitation(token, req.ip);
    render(req, res, token, user);
  });

  routes.post(`${INVITE_PATH}/:token`, formBody, async (req, res) => {
    ctx.parts.assertReady();
    csrf.assert(req);
    const token = req.params['token'];
    const { user } = await users.invitation(token, req.ip);
    const password = field(req, 'password') ?? '';
    if (!password || password !== field(req, 'password_confirm'))
      return render(req, res, token, user, { status: 400, code: 'ERR_BAD_REQUEST', message: 'Enter the same new password twice.' });
    try {
      await users.acceptInvitation(token, password, req.ip);
    } catch (error) {
      if (!(error instanceof WardenError && FIXABLE.has(error.code))) throw error;
      return render(req, res, token, user, { status: error.status, code: error.code, message: error.message });
    }
    sendPage(res, donePage(ctx, user));
  });
  return routes;
}
