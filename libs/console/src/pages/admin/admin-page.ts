import type { Request, RequestHandler, Response } from 'express';
import { WardenError } from '@warden/errors';
import type { AdminActor } from '@warden/identity';
import { sendPage, type ConsoleContext } from '../../context';
import type { Html } from '../../html';
import { shellPage, type NavId } from '../../layout';
import { sessionOf } from '../../session';

/** The signed-in admin as the company admin operations take it. */
export function actorOf(req: Request, res: Response): AdminActor {
  const { identity } = sessionOf(res).claims;
  return { user: identity.user, company: identity.company, clientIp: req.ip };
}

/**
 * Admin pages: the role is read from the store, not the token, so an admin demoted or disabled a
 * moment ago gets the 403 page at once. Every action checks again in the company admin operations.
 */
export function requireCompanyAdmin(ctx: ConsoleContext): RequestHandler {
  return (req, res, next) => {
    ctx.parts.admin
      .isAdmin(actorOf(req, res))
      .then((admin) => next(admin ? undefined : new WardenError('ERR_FORBIDDEN', 'this page is for the administrators of your company')))
      .catch(next);
  };
}

export function sendAdminPage(ctx: ConsoleContext, res: Response, page: { title: string; active: NavId; pageId: string; main: Html }, status = 200): void {
  const session = sessionOf(res);
  sendPage(res, shellPage({ ...page, assets: ctx.assets, identity: session.claims.identity, csrfToken: session.csrfToken }), status);
}

/** A notice named by the query, from a fixed list: the query never supplies the words. */
export function noticeOf(req: Request, notices: Record<string, string>): string | undefined {
  const key = req.query['notice'];
  return typeof key === 'string' && Object.hasOwn(notices, key) ? notices[key] : undefined;
}
