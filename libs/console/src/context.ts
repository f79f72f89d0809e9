import type { Request, Response } from 'express';
import type { TokenClaims } from '@warden/tokens';
import type { Logger } from 'pino';
import type { GatewayParts } from '@warden/auth-service';
import type { Html } from './html';
import type { AssetUrls } from './layout';
import type { SessionOptions } from './session';
import type { PublicHosts } from './settings';

/** An SSO provider's button on the login page (issue 14 fills the list). */
export interface SsoProvider {
  name: string;
  displayName: string;
  /** Where the button goes, e.g. /login/sso/<name>. */
  startUrl: string;
}

/** What every console page module gets: the gateway's parts, the assets, the session settings. */
export interface ConsoleContext {
  parts: GatewayParts;
  assets: AssetUrls;
  session: SessionOptions;
  hosts: PublicHosts;
  ssoProviders: () => readonly SsoProvider[];
  logoutRedirect: (claims: TokenClaims, req: Request) => Promise<string | undefined>;
  logger: Logger;
}

/** Sends a rendered page; console pages are never cached (see noStore). */
export function sendPage(res: Response, page: Html, status = 200): void {
  res.status(status).type('html').send(page.markup);
}
