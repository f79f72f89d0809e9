// The console's own defences, tried from the browser: forms replayed without their CSRF token or
// with another session's, a non-admin at the admin pages, and a session that ends under an open page.
import { consoleRun, createUserAsAdmin, logIn, submitBy, waitForLogin, type Person } from './console';
import { endOfRunChecks } from './checks';
import { rememberSignature, stack as stackFromEnv, type StackCoordinates } from './env';
import type { BrowserRun, Session } from './harness';

const ADMIN_PAGES = ['/console/settings/users', '/console/settings/groups', '/console/settings/audit', '/console/settings/identity-providers'];
// The gateway's cookie (ClearML's default name; the stack keeps it).
const AUTH_COOKIE = 'clearml_token_basic';

let stack: StackCoordinates;
let run: BrowserRun;
let user: Person;

beforeAll(async () => {
  stack = stackFromEnv();
  run = await consoleRun(stack.gateway, 'security');
  user = await createUserAsAdmin(stack, 'Plain User');
}, 90_000);

afterAll(async () => {
  await run?.close();
});

/** The CSRF field of a form on the current page. */
const csrfOf = (session: Session, form: string) => session.page.locator(`${form} input[name="_csrf"]`);

/** Sends a form whose CSRF field the test changed; answers the refusal page's code and message. */
async function sendTampered(session: Session, form: string, submit: string, token: string | null): Promise<{ code: string | null; message: string | null }> {
  if (token === null) await csrfOf(session, form).evaluate((input) => input.remove());
  else await csrfOf(session, form).evaluate((input, value) => ((input as HTMLInputElement).value = value), token);
  await submitBy(session, submit);
  run.take('console', /status of 403/);
  return { code: await session.page.locator('#error-code').textContent(), message: await session.page.locator('#error-message').textContent() };
}

async function labels(session: Session): Promise<string[]> {
  await session.goto('/console');
  return session.page.locator('#credentials-table .label').allTextContents();
}

test('a form sent without its CSRF token is refused with a clear message and changes nothing', async () => {
  const session = await run.session('user');
  await logIn(session, user.username, user.password);
  await session.page.getByLabel('Label', { exact: true }).fill('no-token');
  const refused = await sendTampered(session, '#create-credential-form', '#create-credential', null);
  expect(refused).toEqual({ code: 'ERR_CSRF', message: expect.stringMatching(/without its security token/) });
  expect(await labels(session)).not.toContain('no-token');
  await session.close();
}, 60_000);

test("a form carrying another session's token is refused", async () => {
  const admin = await run.session('admin');
  await logIn(admin, stack.admin.username, stack.admin.password);
  const adminToken = await csrfOf(admin, '#create-credential-form').inputValue();
  const session = await run.session('user');
  await logIn(session, user.username, user.password);
  await session.page.getByLabel('Label', { exact: true }).fill('foreign-token');
  const refused = await sendTampered(session, '#create-credential-form', '#create-credential', adminToken);
  expect(refused).toEqual({ code: 'ERR_CSRF', message: expect.stringMatching(/another session/) });
  expect(await labels(session)).not.toContain('foreign-token');
  await Promise.all([admin.close(), session.close()]);
}, 60_000);

test('a form replayed after logging out and in again (a new session) is refused', async () => {
  const session = await run.session('user');
  await logIn(session, user.username, user.password);
  const old = await csrfOf(session, '#create-credential-form').inputValue();
  await submitBy(session, '#logout-button');
  expect(session.path()).toBe('/login');
  await logIn(session, user.username, user.password);
  await session.page.getByLabel('Label', { exact: true }).fill('replayed');
  const refused = await sendTampered(session, '#create-credential-form', '#create-credential', old);
  expect(refused.code).toBe('ERR_CSRF');
  expect(await labels(session)).not.toContain('replayed');
  await session.close();
}, 60_000);

test('the login and logout forms without their tokens are refused', async () => {
  const session = await run.session('user');
  await session.goto('/login');
  await session.page.getByLabel('Username').fill(user.username);
  await session.page.getByLabel('Password').fill(user.password);
  const login = await sendTampered(session, '#login-form', '#login-submit', null);
  expect(login).toEqual({ code: 'ERR_CSRF', message: expect.stringMatching(/login form was sent without its security token/) });
  await session.goto('/console');
  expect(session.path()).toBe('/login');

  await logIn(session, user.username, user.password);
  const logout = await sendTampered(session, '#logout-form', '#logout-button', null);
  expect(logout.code).toBe('ERR_CSRF');
  await session.goto('/console');
  expect(session.path()).toBe('/console');
  await session.close();
}, 60_000);

test('a non-admin who opens an admin URL gets 403 and a page saying so; the navigation offers no admin page', async () => {
  const session = await run.session('user');
  await logIn(session, user.username, user.password);
  await expect(session.page.locator('#settings-nav a').allTextContents()).resolves.toEqual(['Home', 'API credentials']);
  for (const path of ADMIN_PAGES) {
    const response = await session.goto(path);
    expect([path, response.status()]).toEqual([path, 403]);
    await expect(session.page.locator('#error-code').textContent()).resolves.toBe('ERR_FORBIDDEN');
    await expect(session.page.locator('#error-message').textContent()).resolves.toMatch(/administrators/);
  }
  run.take('console', /status of 403/);
  await session.close();
}, 60_000);

test('a session that expires under an open page sends it to the login page, and logging in leads back', async () => {
  // A real token with a 3-second lifetime (auth.login's expiration_sec), as the browser's cookie.
  const res = await fetch(`${stack.gateway}/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', Authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}` },
    body: JSON.stringify({ expiration_sec: 3 }),
  });
  const token = ((await res.json()) as { data: { token: string } }).data.token;
  rememberSignature(token);
  const session = await run.session('expiring');
  await session.context.addCookies([{ name: AUTH_COOKIE, value: token, url: stack.gateway, httpOnly: true, sameSite: 'Lax' }]);
  await session.goto('/console?from=expiry');
  expect(session.path()).toBe('/console');
  const opened = Date.now();
  // Expiry, the gateway's leeway (1 s on this stack) and the page's 1-second check, with room to spare.
  await waitForLogin(session, 15_000);
  console.log(`session expiry: the open page reached the login page ${Date.now() - opened} ms after it opened (token lifetime 3 s)`);
  run.take('console', /status of 401/);
  expect(new URL(session.page.url()).searchParams.get('next')).toBe('/console?from=expiry');
  expect(await logIn(session, user.username, user.password)).toBe('/console');
  expect(new URL(session.page.url()).search).toBe('?from=expiry');
  await session.close();
}, 60_000);

endOfRunChecks(
  () => run,
  () => stack,
);
