// The README's path for a new user, every step in the browser: open the stack's URL, log in with the
// stack's admin, create API credentials, copy the shown clearml.conf block (with the page's copy
// button) into a config file and run the ClearML SDK suite's task with nothing else, then revoke the
// credentials in the page and watch the same SDK set-up be refused.
import { apiLogin, apiLoginStatus, bearer, consoleRun, createCredential, logIn, revokeCredential, type CreatedCredential } from './console';
import { endOfRunChecks } from './checks';
import { stack as stackFromEnv, type StackCoordinates } from './env';
import type { BrowserRun, Session } from './harness';
import { runScenarioWith, taskInitWith } from './sdk';

let stack: StackCoordinates;
let run: BrowserRun;
let session: Session;
let created: CreatedCredential;
let pasted: string;

beforeAll(async () => {
  stack = stackFromEnv();
  run = await consoleRun(stack.gateway, 'new-user');
  session = await run.session('admin', { clipboard: true });
}, 90_000);

afterAll(async () => {
  await run?.close();
});

test('the stack URL leads to the login page; a wrong password is refused with a clear message', async () => {
  await session.goto('/');
  expect(session.path()).toBe('/login');
  await expect(session.page.getByLabel('Username').isVisible()).resolves.toBe(true);

  expect(await logIn(session, stack.admin.username, 'not-the-password-at-all')).toBe('/login');
  await expect(session.page.locator('#login-error').textContent()).resolves.toMatch(/Wrong username or password/);
  await expect(session.page.locator('#login-error').getAttribute('data-code')).resolves.toBe('ERR_INVALID_CREDENTIALS');
  // The refused login's page comes with status 401, which Chromium logs.
  run.take('console', /status of 401/);
}, 60_000);

test('the stack admin logs in and lands on the console home, which says who they are', async () => {
  expect(await logIn(session, stack.admin.username, stack.admin.password)).toBe('/console');
  await expect(session.page.locator('#whoami-role').textContent()).resolves.toBe('admin');
  await expect(session.page.locator('#whoami-name').textContent()).resolves.toBe('Admin');
}, 60_000);

test('new credentials show a clearml.conf block naming this deployment, copied by the copy button', async () => {
  created = await createCredential(session, 'browser new user');
  expect(created.accessKey).toMatch(/^\w{10,}$/);
  expect(created.secretKey.length).toBeGreaterThanOrEqual(30);
  for (const line of [`api_server: ${stack.api}`, `web_server: ${stack.gateway}`, `files_server: ${stack.files}`, created.accessKey, created.secretKey])
    expect(created.conf).toContain(line);
  expect(created.env.split('\n')).toEqual(
    expect.arrayContaining([
      `CLEARML_API_HOST=${stack.api}`,
      `CLEARML_WEB_HOST=${stack.gateway}`,
      `CLEARML_FILES_HOST=${stack.files}`,
      `CLEARML_API_ACCESS_KEY=${created.accessKey}`,
      `CLEARML_API_SECRET_KEY=${created.secretKey}`,
    ]),
  );
  await session.page.locator('#copy-clearml-conf').click();
  await session.page.locator('#copy-clearml-conf-status').filter({ hasText: 'Copied' }).waitFor();
  pasted = await session.page.evaluate(() => navigator.clipboard.readText());
  expect(pasted).toBe(created.conf);
  await session.shot('credential-created');
}, 60_000);

test('the ClearML SDK suite task runs with only the pasted clearml.conf, as the new credentials', async () => {
  const outcome = await runScenarioWith(pasted, 'browser-new-user');
  if (!outcome.ok) throw new Error(`the SDK task failed with the pasted block:\n${outcome.output.slice(-3000)}`);
  const taskId = outcome.result?.task_id ?? '';
  // The task is there, completed, and owned by the admin whose credentials the block holds.
  const token = await apiLogin(stack, created.accessKey, created.secretKey);
  const res = await fetch(`${stack.api}/tasks.get_by_id`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body: JSON.stringify({ task: taskId }),
  });
  const { task } = ((await res.json()) as { data: { task: { id: string; status: string; name: string; user: string } } }).data;
  expect(task).toEqual(expect.objectContaining({ id: taskId, status: 'completed', name: 'browser-new-user' }));
}, 300_000);

test('the secret is shown once: the console home lists the key without it afterwards', async () => {
  await session.goto('/console');
  await expect(session.page.locator(`#credential-${created.accessKey} .label`).textContent()).resolves.toBe('browser new user');
  expect(await session.page.content()).not.toContain(created.secretKey);
  await expect(session.page.locator('#new-credential').count()).resolves.toBe(0);
}, 60_000);

test('revoked in the page, the same clearml.conf is refused by the SDK', async () => {
  await revokeCredential(session, created.accessKey);
  await expect(session.page.locator('#notice').textContent()).resolves.toMatch(/revoked/);
  await expect(session.page.locator(`#credential-${created.accessKey}`).count()).resolves.toBe(0);
  expect(await apiLoginStatus(stack, created.accessKey, created.secretKey)).toBe(401);
  expect(await taskInitWith(stack.sdkPython, pasted)).toMatch(/^REFUSED .*401/);
}, 300_000);

endOfRunChecks(
  () => run,
  () => stack,
);
