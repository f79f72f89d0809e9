// What a person does in the console, by the ids and labels libs/console/README.md documents, and
// the few REST calls a spec needs to set the scene (founding a tenant, making a user) or to check
// what the browser did (the CSP report counter).
import { randomBytes } from 'node:crypto';
import { chromiumPath, rememberSeen, rememberSignature, screenshotDir, type StackCoordinates } from './env';
import { BrowserRun, CONSOLE_POLICY, waitFor, type Session } from './harness';

export const newPassword = () => `Brw-${randomBytes(18).toString('base64url')}`;
export const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Chromium on the console at `origin`, holding every page to the console's CSP; screenshots under `spec`. */
export function consoleRun(origin: string, spec: string): Promise<BrowserRun> {
  return BrowserRun.start({ executablePath: chromiumPath(), origin, screenshotDir: screenshotDir(spec), requiredPolicy: CONSOLE_POLICY });
}

/** Fills and sends the login form; answers where the browser landed. */
export async function logIn(session: Session, username: string, password: string): Promise<string> {
  const { page } = session;
  if (!/\/login/.test(page.url())) await session.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator('#login-submit').click()]);
  await session.run.settled();
  const cookie = (await session.context.cookies()).find((c) => c.httpOnly && c.value.split('.').length === 3);
  if (cookie) rememberSignature(cookie.value);
  return session.path();
}

/** Clicks a control that sends a form and waits for the page it leads to. */
export async function submitBy(session: Session, selector: string): Promise<void> {
  await Promise.all([session.page.waitForNavigation({ waitUntil: 'load' }), session.page.locator(selector).click()]);
  // Its screenshot first: the next action may navigate away from it.
  await session.run.settled();
}

export interface CreatedCredential {
  accessKey: string;
  secretKey: string;
  /** The clearml.conf block exactly as the page shows it. */
  conf: string;
  env: string;
}

/** Creates API credentials on the console home and reads what the page shows once. */
export async function createCredential(session: Session, label: string): Promise<CreatedCredential> {
  const { page } = session;
  if (session.path() !== '/console') await session.goto('/console');
  await page.getByLabel('Label', { exact: true }).fill(label);
  await submitBy(session, '#create-credential');
  await page.locator('#new-credential').waitFor();
  const created = {
    accessKey: (await page.locator('#new-access-key').textContent())?.trim() ?? '',
    secretKey: (await page.locator('#new-secret-key').textContent())?.trim() ?? '',
    conf: await page.locator('#clearml-conf').inputValue(),
    env: await page.locator('#env-lines').inputValue(),
  };
  rememberSeen(`credential ${label}`, created.secretKey);
  return created;
}

/** Revokes credentials from the home page's list, through its confirmation page. */
export async function revokeCredential(session: Session, accessKey: string): Promise<void> {
  if (session.path() !== '/console') await session.goto('/console');
  await submitBy(session, `#revoke-${accessKey}`);
  await submitBy(session, '#revoke-confirm-button');
}

// ---- REST, as an operator or an admin would script it

interface Envelope<T> {
  meta?: { result_code?: number; result_subcode?: number; result_msg?: string; error_code?: string };
  data?: T;
}

async function call<T>(url: string, init: { body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; json: Envelope<T> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify(init.body ?? {}),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Envelope<T> };
}

async function dataOf<T>(url: string, init: { body?: unknown; headers?: Record<string, string> }, what: string): Promise<T> {
  const { status, json } = await call<T>(url, init);
  if (status !== 200 || !json.data) throw new Error(`${what}: ${status} ${json.meta?.error_code ?? ''} ${json.meta?.result_msg ?? ''}`);
  return json.data;
}

export const basic = (id: string, secret: string) => ({ Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });
export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** auth.login at the gateway with a password or a key pair: the token, or throws. */
export async function apiLogin(stack: StackCoordinates, id: string, secret: string): Promise<string> {
  const { token } = await dataOf<{ token: string }>(`${stack.gateway}/auth.login`, { headers: basic(id, secret) }, `logging in as ${id}`);
  rememberSignature(token);
  return token;
}

/** auth.login's HTTP status for a key pair: 200 while it works, 401 once revoked. */
export async function apiLoginStatus(stack: StackCoordinates, id: string, secret: string): Promise<number> {
  return (await call(`${stack.gateway}/auth.login`, { headers: basic(id, secret) })).status;
}

export interface Person {
  id: string;
  username: string;
  password: string;
}

/** A new user of the admin's company (auth.create_user), with a password the spec knows. */
export async function createUser(stack: StackCoordinates, adminToken: string, name: string, role: 'user' | 'admin' = 'user'): Promise<Person> {
  const username = `browser-${randomHex(5)}`;
  const password = newPassword();
  rememberSeen(`password of ${username}`, password);
  const { id } = await dataOf<{ id: string }>(
    `${stack.gateway}/auth.create_user`,
    { headers: bearer(adminToken), body: { username, name, password, role } },
    `creating user ${username}`,
  );
  return { id, username, password };
}

/** A new plain user, made by the stack's admin. */
export async function createUserAsAdmin(stack: StackCoordinates, name: string): Promise<Person> {
  return createUser(stack, await apiLogin(stack, stack.admin.username, stack.admin.password), name);
}

/** The gateway's count of CSP violations browsers reported (its Prometheus counter, all directives). */
export async function reportedViolations(stack: StackCoordinates): Promise<number> {
  const text = await (await fetch(stack.metrics, { signal: AbortSignal.timeout(10_000) })).text();
  const lines = text.split('\n').filter((l) => l.startsWith('warden_console_csp_violations_total'));
  if (!text.includes('warden_console_csp_violations_total')) throw new Error(`the gateway's metrics have no warden_console_csp_violations_total`);
  return lines.reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

/** Waits until the page shows the login form (the session watch or a redirect took it there). */
export async function waitForLogin(session: Session, timeoutMs: number): Promise<void> {
  await waitFor('the login page', () => /\/login(\?|$)/.test(session.page.url()), timeoutMs);
  await session.page.locator('#login-form').waitFor({ timeout: timeoutMs });
}
