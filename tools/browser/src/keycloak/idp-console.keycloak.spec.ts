// Issue 15 against a real Keycloak in a real browser: the tenant's admin makes a SAML connection (the
// IdP metadata downloaded from Keycloak's descriptor URL) and an OIDC connection on the console's
// Identity Providers page, runs Test Provider in its separate window, turns each on, and people sign
// in through Keycloak's own form with their groups synced; both connections are active at once on one
// login page beside the env-configured providers (tools/services/keycloak/realm-warden.json:
// clients warden-console-saml and warden-console, users grace and henry).
import mongoose, { type Connection } from 'mongoose';
import type { GroupStore } from '@warden/identity';
import { endOfRunChecks } from '../checks';
import { consoleRun, logIn, submitBy } from '../console';
import { stack as stackCoordinates, type StackCoordinates } from '../env';
import { waitFor, type BrowserRun, type Session } from '../harness';
import { KeycloakAdmin } from './testing/keycloak-admin';
import { MEMBER_GROUP, REALM_USERS, readKeycloakState } from './testing/keycloak-state';
import { ensureGroups, foundTenant, keycloakForm, need, post, sessionToken, whoAmI } from './testing/keycloak-tier';

const stack: StackCoordinates = stackCoordinates();
const { gateway } = stack;
const company = need('WARDEN_KEYCLOAK_COMPANY');
const state = readKeycloakState();
const keycloak = new KeycloakAdmin(state);
const PAGE = '/console/settings/identity-providers';
const WARDEN_GROUPS = [MEMBER_GROUP, 'research', 'vision'];

let run: BrowserRun;
let mongo: Connection;
let groups: GroupStore;
let admin: Session;
const made: { saml?: string; oidc?: string } = {};

/** "+ New Connection": a protocol, a provider (by its name in that protocol's group), Next. */
async function newConnection(protocol: 'oidc' | 'saml', providerLabel: string): Promise<void> {
  const { page } = admin;
  await admin.goto(PAGE);
  await submitBy(admin, '#idp-new');
  await page.locator(`#idp-protocol-${protocol}`).check();
  const labels = await page.locator('#idp-provider option').evaluateAll((options) => options.map((o) => `${o.dataset['protocol']}:${o.textContent}`));
  await page.locator('#idp-provider').selectOption({ index: labels.indexOf(`${protocol}:${providerLabel}`) });
  await submitBy(admin, '#idp-next');
  expect(await page.locator('body').getAttribute('data-page')).toBe('identity-provider-form');
}

/** Save: the browser lands on the saved connection's page; answers its id. */
async function save(): Promise<string> {
  await submitBy(admin, '#idp-save');
  const error = admin.page.locator('#idp-form-error');
  if (await error.count()) throw new Error(`the form was refused: ${await error.textContent()}`);
  const id = /\/identity-providers\/([0-9a-f]{32})$/.exec(admin.path())?.[1];
  if (!id) throw new Error(`saving landed on ${admin.page.url()}`);
  return id;
}

/** Test Provider: a separate window runs the real login through Keycloak's form and shows what it maps. */
async function testProvider(username: string): Promise<Record<string, string>> {
  const [window] = await Promise.all([admin.context.waitForEvent('page'), admin.page.locator('#idp-test').click()]);
  await window.waitForLoadState('load');
  await keycloakForm(window, state, username, `${gateway}/`);
  await waitFor('the Test Provider result', async () => (await window.locator('body').getAttribute('data-page')) === 'idp-test', 30_000);
  const read = async (id: string) => ((await window.locator(`#idp-test-${id}`).textContent()) ?? '').trim();
  const shown = {
    outcome: (await window.locator('#idp-test-result').getAttribute('data-outcome')) ?? '',
    email: await read('email'),
    groups: await read('groups'),
  };
  await run.screenshot(window, 'admin', 'test-provider-result');
  await window.close();
  // The test window left a Keycloak session for this user in the admin's browser: end it.
  await keycloak.logout(username);
  return shown;
}

/** The Active toggle in the table; the login page lists the connection within 2 s. */
async function activate(id: string): Promise<void> {
  await admin.goto(PAGE);
  await submitBy(admin, `#idp-active-${id}`);
  await expect(admin.page.locator(`#idp-active-${id}`).getAttribute('aria-checked')).resolves.toBe('true');
}

/** The table's ID copies with a click; edit and delete show on hover and on keyboard focus alike. */
async function tableControls(id: string): Promise<void> {
  const { page } = admin;
  await page.locator(`#idp-copy-id-${id}`).click();
  await waitFor('the copy status', async () => (await page.locator(`#idp-copy-id-${id}-status`).textContent()) === 'Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(id);
  const edit = page.locator(`#idp-edit-${id}`);
  const opacity = (want: string) => waitFor(`edit's opacity ${want}`, async () => (await edit.evaluate((el) => getComputedStyle(el).opacity)) === want);
  await opacity('1'); // the pointer is over the row
  // Pointer and focus elsewhere (the copy button kept the focus: focus-within shows the actions too).
  await page.locator('#idp-connections-title').click();
  await opacity('0');
  await edit.focus();
  await opacity('1');
}

/** A person's walk: the login page, the connection's button, Keycloak's form, the console. */
async function signIn(name: string, id: string, keycloakPath: string): Promise<{ session: Session; groups: string[] }> {
  const session = await run.session(name);
  const { page } = session;
  await waitFor(`the login page to list connection ${id}`, async () => {
    await session.goto('/login');
    return (await page.locator(`#sso-connection-${id}`).count()) === 1;
  });
  await Promise.all([page.waitForURL((url) => url.href.startsWith(`${state.url}/`), { waitUntil: 'load' }), page.locator(`#sso-connection-${id}`).click()]);
  expect(page.url()).toContain(`${state.issuer}/protocol/${keycloakPath}`);
  await keycloakForm(page, state, name, `${gateway}/`);
  await waitFor(`${name} to reach the console`, () => session.path() === '/console', 30_000);
  await run.settled();
  const me = await whoAmI(gateway, await sessionToken(session, gateway));
  expect(me.company.id).toBe(company);
  return { session, groups: (await groups.groupsOf(company, me.id)).map((g) => g.name).sort() };
}

beforeAll(async () => {
  await keycloak.setConnectionOrigin(gateway, state.consoleClient.clientId);
  await keycloak.setConnectionOrigin(gateway, state.samlClient.entityId);
  for (const user of [REALM_USERS.consoleSaml, REALM_USERS.consoleOidc]) await keycloak.logout(user);
  await foundTenant(stack, company);
  mongo = await mongoose.createConnection(need('WARDEN_KEYCLOAK_MONGO_AUTH'), { serverSelectionTimeoutMS: 5000 }).asPromise();
  groups = await ensureGroups(mongo, company, WARDEN_GROUPS);
  run = await consoleRun(gateway, 'idp-console');
  admin = await run.session('admin', { clipboard: true });
  expect(await logIn(admin, stack.admin.username, stack.admin.password)).toBe('/console');
}, 120_000);

afterAll(async () => {
  await run?.close();
  await mongo?.close();
});

afterEach(async () => {
  await run.settled();
  // Keycloak's own pages are not the console's: what they log is Keycloak's business.
  run.problems.splice(0, run.problems.length, ...run.problems.filter((p) => !p.url.startsWith(`${state.url}/`)));
});

describe('Identity Providers made in the console, against Keycloak, in Chromium', () => {
  it("SAML: made from Keycloak's descriptor URL, tested, turned on; grace signs in through Keycloak's form, groups synced", async () => {
    await newConnection('saml', 'Custom');
    const { page } = admin;
    await page.getByLabel('Display name').fill('Keycloak SAML');
    await page.getByLabel('Entity ID').fill(state.samlClient.entityId);
    await page.locator('#idp-field-idp_metadata_url').fill(state.samlClient.descriptor);
    await page.locator('#idp-field-group_sync-enabled').check();
    made.saml = await save();
    await expect(page.locator('#idp-field-acs_url').inputValue()).resolves.toBe(`${gateway}/sso/${made.saml}/acs`);
    await expect(page.locator('#idp-metadata-current').textContent()).resolves.toContain(state.issuer);

    expect(await testProvider(REALM_USERS.consoleSaml)).toEqual({
      outcome: 'ok',
      email: `${REALM_USERS.consoleSaml}@warden.test`,
      groups: expect.stringContaining(MEMBER_GROUP),
    });
    await activate(made.saml);
    await tableControls(made.saml);
    const grace = await signIn(REALM_USERS.consoleSaml, made.saml, 'saml');
    expect(grace.groups).toEqual([MEMBER_GROUP]);
    await grace.session.close();
  }, 180_000);

  it('OIDC: made with the Keycloak preset (not env), tested, turned on; henry signs in, groups synced; both on one login page', async () => {
    await newConnection('oidc', 'Keycloak');
    const { page } = admin;
    await page.getByLabel('Display name').fill('Keycloak OIDC');
    await page.getByLabel('Client ID').fill(state.consoleClient.clientId);
    await page.locator('#idp-field-client_secret').fill(state.consoleClient.clientSecret);
    await page.getByLabel('Authorization Endpoint').fill(`${state.issuer}/protocol/openid-connect/auth`);
    await page.getByLabel('Access Token Endpoint').fill(`${state.issuer}/protocol/openid-connect/token`);
    await page.getByLabel('JWKS URI').fill(`${state.issuer}/protocol/openid-connect/certs`);
    await page.locator('#idp-field-create_users_on_first_login').check();
    await page.locator('#idp-field-group_sync-enabled').check();
    made.oidc = await save();
    await expect(page.locator('#idp-field-callback_url').inputValue()).resolves.toBe(`${gateway}/sso/${made.oidc}/callback`);
    // Write-only: the saved secret is "set", never shown.
    await expect(page.locator('#idp-field-client_secret-state').textContent()).resolves.toBe('set');
    await expect(page.locator('#idp-field-client_secret').inputValue()).resolves.toBe('');
    expect(await page.content()).not.toContain(state.consoleClient.clientSecret);

    const shown = await testProvider(REALM_USERS.consoleOidc);
    expect(shown).toEqual({ outcome: 'ok', email: `${REALM_USERS.consoleOidc}@warden.test`, groups: expect.stringContaining(MEMBER_GROUP) });
    await activate(made.oidc);

    // One OIDC and one SAML connection active at once: one login page and login.supported_modes list both.
    const modes = await post<{ sso_providers: { name: string }[] }>(`${gateway}/login.supported_modes`, {});
    expect(modes.data?.sso_providers.map((p) => p.name)).toEqual(expect.arrayContaining([`connection-${made.saml}`, `connection-${made.oidc}`]));
    const visitor = await run.session('login-page');
    await waitFor('both connections on the login page', async () => {
      await visitor.goto('/login');
      const buttons = [`#sso-connection-${made.saml}`, `#sso-connection-${made.oidc}`, '#sso-keycloak'];
      return (await Promise.all(buttons.map((b) => visitor.page.locator(b).count()))).every((n) => n === 1);
    });
    await visitor.close();
    const henry = await signIn(REALM_USERS.consoleOidc, made.oidc, 'openid-connect');
    expect(henry.groups).toEqual([MEMBER_GROUP, 'research']);
    await henry.session.close();
    // ... and the SAML one still works beside it.
    await keycloak.logout(REALM_USERS.consoleSaml);
    const grace = await signIn(REALM_USERS.consoleSaml, made.saml!, 'saml');
    expect(grace.groups).toEqual([MEMBER_GROUP]);
    await grace.session.close();
  }, 180_000);

  endOfRunChecks(
    () => run,
    () => stack,
  );
});
