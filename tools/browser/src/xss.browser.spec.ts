// The XSS table (xss.ts) in every field a user controls, rendered by the real pages in Chromium:
// no dialog, no injected element or attribute in the DOM, each value shown as its literal text.
import { apiLogin, bearer, createUser, logIn, submitBy, type Person } from './console';
import { endOfRunChecks } from './checks';
import { chromiumPath, screenshotDir, stack as stackFromEnv, type StackCoordinates } from './env';
import { BrowserRun, CONSOLE_POLICY, type Session } from './harness';
import { PAYLOADS, injectedElements } from './xss';

let stack: StackCoordinates;
let run: BrowserRun;
let adminToken: string;
// One user per payload, named with it; the first also holds a credential labelled with each payload.
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
  expect(await injectedElements(session.page)).toEqual([]);
  expect(run.problems.filter((p) => p.kind === 'dialog')).toEqual([]);
}

beforeAll(async () => {
  stack = stackFromEnv();
  run = await BrowserRun.start({ executablePath: chromiumPath(), origin: stack.gateway, screenshotDir: screenshotDir('xss'), requiredPolicy: CONSOLE_POLICY });
  adminToken = await apiLogin(stack, stack.admin.username, stack.admin.password);
  for (const payload of PAYLOADS) people.set(payload.id, await createUser(stack, adminToken, payload.value));
  const holder = people.get(PAYLOADS[0].id) as Person;
  const token = await apiLogin(stack, holder.username, holder.password);
  for (const payload of PAYLOADS) keys.set(payload.id, await createCredential(token, payload.value));
}, 120_000);

afterAll(async () => {
  await run?.close();
});

test(`credential labels: the console home shows each of the ${PAYLOADS.length} hostile labels as text, in the table and the relabel field`, async () => {
  const session = await run.session('label-holder');
  const holder = people.get(PAYLOADS[0].id) as Person;
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
  for (const payload of PAYLOADS) {
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
  const holder = people.get(PAYLOADS[0].id) as Person;
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

endOfRunChecks(
  () => run,
  () => stack,
);
