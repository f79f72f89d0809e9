// What the Keycloak tier's specs share: the tenant SSO users land in (founded once, by whichever spec
// runs first), its Warden groups, who a browser's session is, and Keycloak's own login form.
import type { Connection } from 'mongoose';
import { GroupStore } from '@warden/identity';
import { apiLogin, bearer } from '../../console';
import { rememberSignature, type StackCoordinates } from '../../env';
import { waitFor, type Session } from '../../harness';
import { userPassword, type KeycloakState } from './keycloak-state';

export function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this tier with tools/browser/keycloak-suite.sh`);
  return value;
}

export async function post<T>(url: string, headers: Record<string, string>, body: unknown = {}): Promise<{ status: number; data?: T; code?: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const json = (await res.json().catch(() => ({}))) as { data?: T; meta?: { error_code?: string } };
  return { status: res.status, data: json.data, code: json.meta?.error_code };
}

/**
 * Founds the tenant the seed's default_company names (the gateway was started with its id), its admin
 * the tier's; a spec that runs after another finds it founded. Answers the admin's API token.
 */
export async function foundTenant(stack: StackCoordinates, company: string): Promise<string> {
  const founded = await fetch(`${stack.gateway}/operator/tenants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(stack.operatorSecret) },
    body: JSON.stringify({
      company_name: 'Keycloak SSO tenant',
      company_id: company,
      admin: { username: stack.admin.username, password: stack.admin.password },
    }),
  });
  if (founded.status !== 201 && founded.status !== 409) throw new Error(`founding the default_company tenant answered ${founded.status}`);
  return apiLogin(stack, stack.admin.username, stack.admin.password);
}

/** The tenant's Warden groups, made once: Keycloak's groups of the same names map onto them. */
export async function ensureGroups(mongo: Connection, company: string, names: string[]): Promise<GroupStore> {
  const groups = new GroupStore(mongo);
  const existing = new Set((await groups.list(company)).map((g) => g.name));
  for (const name of names) if (!existing.has(name)) await groups.create(company, name);
  return groups;
}

export interface WhoAmI {
  id: string;
  name: string;
  role: string;
  company: { id: string };
}

export async function whoAmI(gateway: string, token: string): Promise<WhoAmI> {
  const answer = await post<{ user: WhoAmI }>(`${gateway}/users.get_current_user`, bearer(token));
  if (!answer.data) throw new Error(`users.get_current_user answered ${answer.status} ${answer.code ?? ''}`);
  return answer.data.user;
}

/** The Warden session of a browser: the gateway's auth cookie (a JWT), as the console and the API use it. */
export async function sessionToken(session: Session, gateway: string): Promise<string> {
  const cookie = (await session.context.cookies(gateway)).find((c) => c.httpOnly && c.value.split('.').length === 3);
  if (!cookie) throw new Error(`${session.name} has no Warden session cookie`);
  rememberSignature(cookie.value);
  return cookie.value;
}

/** Keycloak's own login form, on the page the browser was sent to; waits until the page leaves Keycloak. */
export async function keycloakForm(page: Session['page'], state: KeycloakState, username: string, landsOn: string): Promise<void> {
  await waitFor(`Keycloak's login form for ${username}`, () => page.url().startsWith(`${state.url}/`));
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(userPassword(state, username));
  await Promise.all([page.waitForURL((url) => url.href.startsWith(landsOn), { waitUntil: 'load' }), page.locator('#kc-login').click()]);
}
