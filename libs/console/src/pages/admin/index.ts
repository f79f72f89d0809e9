import { Router } from 'express';
import type { ConsoleContext } from '../../context';
import { requireCompanyAdmin } from './admin-page';
import { auditRoutes, AUDIT_PATH } from './audit';
import { groupRoutes, GROUPS_PATH } from './groups';
import { userDetailRoutes } from './user-detail';
import { userRoutes, USERS_PATH } from './users';

/** The admin pages of the settings shell; every one answers a non-admin with the 403 page. */
export function adminRoutes(ctx: ConsoleContext): Router {
  const routes = Router();
  routes.use([USERS_PATH, GROUPS_PATH, AUDIT_PATH], requireCompanyAdmin(ctx));
  routes.use(userRoutes(ctx));
  routes.use(userDetailRoutes(ctx));
  routes.use(groupRoutes(ctx));
  routes.use(auditRoutes(ctx));
  return routes;
}
