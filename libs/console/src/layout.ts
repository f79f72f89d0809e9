import type { Identity } from '@warden/tokens';
import { csrfField } from './csrf';
import { html, type Html } from './html';

/** The settings shell's pages, in navigation order; `admin` pages are listed for admins only. */
export const NAV_ITEMS = [
  { id: 'home', href: '/console', label: 'Home' },
  { id: 'credentials', href: '/console#credentials', label: 'API credentials' },
  { id: 'users', href: '/console/settings/users', label: 'Users', admin: true },
  { id: 'groups', href: '/console/settings/groups', label: 'Groups', admin: true },
  { id: 'audit', href: '/console/settings/audit', label: 'Audit', admin: true },
  { id: 'identity-providers', href: '/console/settings/identity-providers', label: 'Identity Providers', admin: true },
] as const;

export type NavId = (typeof NAV_ITEMS)[number]['id'];

export interface AssetUrls {
  script: string;
  style: string;
}

export interface PageOptions {
  title: string;
  assets: AssetUrls;
  body: Html;
  /** Tells the client script which page it is on (`data-page` on <body>); the browser tests read it too. */
  pageId: string;
  /** A same-origin path the browser goes on to at once (a meta refresh: no script needed). */
  refresh?: string;
}

/** The document around every console page: one style sheet, one deferred script, nothing inline. */
export function documentPage(options: PageOptions): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · Warden</title>
        ${options.refresh !== undefined && html`<meta http-equiv="refresh" content="0;url=${options.refresh}" />`}
        <link rel="stylesheet" href="${options.assets.style}" />
        <script src="${options.assets.script}" defer></script>
      </head>
      <body data-page="${options.pageId}">
        ${options.body}
      </body>
    </html>`;
}

export interface ShellOptions {
  title: string;
  assets: AssetUrls;
  identity: Identity;
  csrfToken: string;
  /** The navigation entry to mark as the current page. */
  active: NavId;
  pageId: string;
  main: Html;
}

function navigation(identity: Identity, active: NavId): Html {
  const items = NAV_ITEMS.filter((item) => !('admin' in item) || identity.role === 'admin');
  return html`<nav id="settings-nav" aria-label="Settings">
    <ul>
      ${items.map(
        (item) => html`<li><a id="nav-${item.id}" href="${item.href}" ${item.id === active ? html` aria-current="page"` : ''}>${item.label}</a></li> `,
      )}
    </ul>
  </nav>`;
}

/**
 * A signed-in page: the header says who is signed in and offers logout (a CSRF-checked POST);
 * the left navigation is the settings shell. The CSRF token also sits in a meta element so the
 * client script can send it as the X-CSRF-Token header.
 */
export function shellPage(options: ShellOptions): Html {
  const { identity } = options;
  const body = html`<a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <a class="brand" href="/console">Warden</a>
      <div class="who">
        <span id="whoami-header">${identity.user_name ?? identity.user}</span> <span class="muted">(${identity.company_name ?? identity.company})</span>
      </div>
      <form id="logout-form" method="post" action="/logout">${csrfField(options.csrfToken)}<button id="logout-button" type="submit">Log out</button></form>
    </header>
    <div class="shell" id="session-watch" data-session-url="/console/session" data-csrf="${options.csrfToken}">
      ${navigation(identity, options.active)}
      <main id="main" tabindex="-1">
        <h1>${options.title}</h1>
        ${options.main}
      </main>
    </div>`;
  return documentPage({ title: options.title, assets: options.assets, body, pageId: options.pageId });
}
