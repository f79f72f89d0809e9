// The XSS table (xss.ts) in every field a user controls, rendered by the real pages in Chromium:
// no dialog, no injected element or attribute in the DOM, each value shown as its literal text.
import { apiLogin, bearer, consoleRun, createUser, logIn, newPassword, submitBy, type Person } from './console';
import { endOfRunChecks } from './checks';
import { rememberSeen, stack as stackFromEnv, type StackCoordinates } from './env';
import type { BrowserRun, Session } from './harness';
import { PAYLOADS, injectedElements, type Payload } from './xss';

let stack: StackCoordinates;
let run: BrowserRun;
let adminToken: string;
// One user per payload, named with it; a plain user holds a credential labelled with each payload.
const people = new Map<string, Person>();
const keys = new Map<string, string>();

async function createCredential(token: string, label: string): Promise<string> {
  const res = await fetch(`${stack.gateway}/auth.create_credentials`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body: JSON.stringify({ label }),
  });
  const body = (await res.json()) as { meta?: { result_msg?: string }; data?: { credentials?: { access_key: string } } };
  if (!body.data?.credentials) throw new Error(`auth.create_credentials answered ${res.status}: ${body.meta?.result_msg}`);
  return body.data.credentials.access_key;
}

async function expectInert(session: Session): Promise<void> {
  expect(await injectedElements(session)).toEqual([]);
  expect(run.problems.filter((p) => p.kind === 'dialog')).toEqual([]);
}

// The payloads whose user logs in to see "who am I" (the admin pages show every one).
const WHOAMI = ['script-tag', 'attribute-breakout', 'title-breakout', 'rtl-override', 'over-long'];
let holder: Person;

/** A user named with the payload, the payload its username too (usernames take markup; logins use the form). */
async function hostileUser(payload: Payload): Promise<Person> {
  const password = newPassword();
  rememberSeen(`password of the ${payload.id} user`, password);
  const res = await fetch(`${stack.gateway}/auth.create_user`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(adminToken) },
    body: JSON.stringify({ username: payload.value, name: payload.value, password, role: 'user' }),
  });
  const body = (await res.json()) as { meta?: { result_msg?: string }; data?: { id?: string } };
  if (!body.data?.id) throw new Error(`auth.create_user for ${payload.id} answered ${res.status}: ${body.meta?.result_msg}`);
  return { id: body.data.id, username: payload.value, password };
}

beforeAll(async () => {
  stack = stackFromEnv();
  run = await consoleRun(stack.gateway, 'xss');
  adminToken = await apiLogin(stack, stack.admin.username, stack.admin.password);
  for (const payload of PAYLOADS) people.set(payload.id, await hostileUser(payload));
  holder = await createUser(stack, adminToken, 'Label Holder');
  const token = await apiLogin(stack, holder.username, holder.password);
  for (const payload of PAYLOADS) keys.set(payload.id, await createCredential(token, payload.value));
}, 120_000);

afterAll(async () => {
  await run?.close();
});

test(`credential labels: the console home shows each of the ${PAYLOADS.length} hostile labels as text, in the table and the relabel field`, async () => {
  const session = await run.session('label-holder');
  expect(await logIn(session, holder.username, holder.password)).toBe('/console');
  for (const payload of PAYLOADS) {
    const row = session.page.locator(`#credential-${keys.get(payload.id)}`);
    await expect(row.locator('.label').textContent()).resolves.toBe(payload.value);
    await expect(row.getByLabel(/New label for/).inputValue()).resolves.toBe(payload.value);
  }
  await expectInert(session);
  await session.close();
}, 120_000);

test('user names: "who am I" and the page header show a hostile name as text', async () => {
  for (const payload of PAYLOADS.filter((p) => WHOAMI.includes(p.id))) {
    const person = people.get(payload.id) as Person;
    const session = await run.session(`named-${payload.id}`);
    expect(await logIn(session, person.username, person.password)).toBe('/console');
    await expect(session.page.locator('#whoami-name').textContent()).resolves.toBe(payload.value);
    await expect(session.page.locator('#whoami-header').textContent()).resolves.toBe(payload.value);
    await expectInert(session);
    await session.close();
  }
}, 300_000);

test('a hostile label typed into the relabel form is stored and shown as text, on the list and the revoke confirmation', async () => {
  const session = await run.session('relabel');
  await logIn(session, holder.username, holder.password);
  const key = keys.get('script-tag') as string;
  const typed = PAYLOADS.find((p) => p.id === 'attribute-breakout')?.value as string;
  await session.page.locator(`#relabel-${key}`).fill(typed);
  await submitBy(session, `#relabel-submit-${key}`);
  await expect(session.page.locator(`#credential-${key} .label`).textContent()).resolves.toBe(typed);
  await expectInert(session);
  await submitBy(session, `#revoke-${key}`);
  await expect(session.page.locator('#revoke-label').textContent()).resolves.toBe(typed);
  await expectInert(session);
  await session.close();
}, 120_000);

test("the users page and each user's page show hostile usernames and names as text", async () => {
  const session = await run.session('admin');
  await logIn(session, stack.admin.username, stack.admin.password);
  await session.goto('/console/settings/users');
  for (const payload of PAYLOADS) {
    const row = session.page.locator(`#user-${(people.get(payload.id) as Person).id}`);
    await expect(row.locator('td.username a').textContent()).resolves.toBe(payload.value);
    await expect(row.locator('td.name').textContent()).resolves.toBe(payload.value);
    await expect(row.getAttribute('data-username')).resolves.toBe(payload.value);
  }
  await expectInert(session);
  for (const id of WHOAMI) {
    await session.goto(`/console/settings/users/${(people.get(id) as Person).id}`);
    const value = PAYLOADS.find((p) => p.id === id)?.value;
    await expect(session.page.locator('#user-username').textContent()).resolves.toBe(value);
    await expect(session.page.locator('#user-name').textContent()).resolves.toBe(value);
    await expectInert(session);
  }
  await session.close();
}, 120_000);

test('groups created in the page with hostile names show them as text, with hostile usernames as members', async () => {
  const session = await run.session('admin');
  await logIn(session, stack.admin.username, stack.admin.password);
  await session.goto('/console/settings/groups');
  const max = Number(await session.page.locator('#new-group-name').getAttribute('maxlength'));
  const names = PAYLOADS.map((p) => p.value.slice(0, max));
  for (const name of names) {
    await session.page.locator('#new-group-name').fill(name);
    await submitBy(session, '#create-group-submit');
  }
  await expect(session.page.locator('#groups-table td.group-name').allTextContents()).resolves.toEqual(expect.arrayContaining(names));
  await expectInert(session);
  // A member with a hostile username, added through the group's own form.
  const first = session.page.locator('#groups-table tr[data-group-id]').first();
  const groupId = (await first.getAttribute('data-group-id')) as string;
  const member = people.get('img-onerror') as Person;
  await session.page.locator(`#add-member-select-${groupId}`).selectOption(member.id);
  await submitBy(session, `#add-member-${groupId}`);
  await expect(session.page.locator(`#member-${groupId}-${member.id}`).textContent()).resolves.toContain(member.username);
  await expectInert(session);
  await session.close();
}, 180_000);

test('the audit trail shows hostile usernames and group names in its events as text', async () => {
  const session = await run.session('admin');
  await logIn(session, stack.admin.username, stack.admin.password);
  await session.goto('/console/settings/audit?type=user.create&limit=100');
  const users = await session.page.locator('#audit-table tr.audit-event td.user').allTextContents();
  expect(users).toEqual(expect.arrayContaining(PAYLOADS.map((p) => p.value)));
  await expectInert(session);
  await session.goto('/console/settings/audit?type=group.create&limit=100');
  const details = await session.page.locator('#audit-table tr.audit-event td.detail').allTextContents();
  const max = 128;
  expect(details).toEqual(expect.arrayContaining(PAYLOADS.map((p) => p.value.slice(0, max))));
  await expectInert(session);
  await session.close();
}, 120_000);

endOfRunChecks(
  () => run,
  () => stack,
);
