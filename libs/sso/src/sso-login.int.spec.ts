import { randomBytes } from 'node:crypto';
import { GroupStore, IdentityStore } from '@warden/identity';
import { ProviderSet, TestBrowser, loginError, startSsoHarness, waitForDiscovery, type SsoHarness } from './testing';

// Integration tier: the gateway in-process on the real Redis and MongoDB-wire server, SSO mounted,
// against in-process OpenID Connect providers of our own (node:crypto, jsonwebtoken).
const db = `warden_int_sso_${process.pid}_${Date.now()}`;
const COMPANY = randomBytes(16).toString('hex');

const providers = new ProviderSet();
const { kc, other, strict, info } = providers;

let h: SsoHarness;
let store: IdentityStore;
let groups: GroupStore;
let unique = 0;
const subject = () => `sub-${++unique}-${randomBytes(4).toString('hex')}`;

const whoAmI = async (token: string) => {
  const res = await fetch(`${h.url}/users.get_current_user`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  return ((await res.json()) as { data: { user: { id: string; role: string; company: { id: string }; name: string; email: string } } }).data.user;
};

const status = async (token: string) =>
  (await fetch(`${h.url}/users.get_current_user`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } })).status;

beforeAll(async () => {
  await providers.start();
  h = await startSsoHarness('sso', db, [
    {
      name: 'keycloak',
      provider: kc,
      defaultCompany: COMPANY,
      config: { groups: { enabled: true, claim: 'groups', admins: ['wardens'] }, claims: { name: 'preferred_username' } },
    },
    { name: 'other', provider: other },
    {
      name: 'strict',
      provider: strict,
      defaultCompany: COMPANY,
      config: { require_email_verified: true, groups: { enabled: true, prohibit_user_signup_if_not_in_group: true }, admin_role: '' },
    },
    ...providers.commonEntries(COMPANY),
  ]);
  const connection = h.gateway.backends.mongo!.connection;
  store = new IdentityStore({ connection, credentialPepper: h.secrets.tokenSecret });
  groups = new GroupStore(connection);
  await groups.ensureIndexes();
  await store.ensureCompany({ id: COMPANY, name: 'Acme' });
  await groups.create(COMPANY, 'ml-team');
  await groups.create(COMPANY, 'data-team');
  // Discovery runs in the background; every provider but `down` is there within a moment.
  await waitForDiscovery(h, 6);
}, 60_000);

afterAll(async () => {
  await store?.close();
  await h?.close();
  await providers.stop();
});

describe('sso sign-in: the positive paths', () => {
  it('creates a user just in time in default_company, with the gateway session cookies, and goes back to next', async () => {
    kc.user = {
      sub: subject(),
      claims: { preferred_username: `ada-${unique}`, email: `ada${unique}@example.com`, email_verified: true, given_name: 'Ada', family_name: 'L' },
    };
    const browser = new TestBrowser(h.url);
    const answer = await browser.signIn('keycloak', '/console/settings/users?tab=1');
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/console/settings/users?tab=1');
    const token = answer.cookies['clearml_token_basic'];
    expect(token).toBeDefined();
    expect(answer.cookies['warden_csrf']).toBeDefined();
    const me = await whoAmI(token);
    expect(me).toMatchObject({ role: 'user', company: { id: COMPANY }, name: 'Ada L', email: `ada${unique}@example.com` });
    expect((await store.getUser(me.id))?.username).toBe(`ada-${unique}`);
  });

  it('links the same subject again on the next login rather than creating another user', async () => {
    kc.user = { sub: subject(), claims: { preferred_username: `bob-${unique}` } };
    const first = await whoAmI((await new TestBrowser(h.url).signIn('keycloak')).cookies['clearml_token_basic']);
    kc.user.claims['preferred_username'] = 'renamed-at-the-provider';
    const second = await whoAmI((await new TestBrowser(h.url).signIn('keycloak')).cookies['clearml_token_basic']);
    expect(second.id).toBe(first.id);
  });

  it('syncs groups on every login (existing groups only) and makes members of groups.admins admins', async () => {
    const sub = subject();
    kc.user = { sub, claims: { preferred_username: `gina-${unique}`, groups: ['ml-team', 'no-such-group'] } };
    const me = await whoAmI((await new TestBrowser(h.url).signIn('keycloak')).cookies['clearml_token_basic']);
    expect(me.role).toBe('user');
    expect((await groups.groupsOf(COMPANY, me.id)).map((g) => g.name)).toEqual(['ml-team']);
    expect((await groups.list(COMPANY)).map((g) => g.name)).not.toContain('no-such-group');

    kc.user = { sub, claims: { preferred_username: `gina-${unique}`, groups: ['data-team', 'wardens'] } };
    const again = await whoAmI((await new TestBrowser(h.url).signIn('keycloak')).cookies['clearml_token_basic']);
    expect(again.role).toBe('admin');
    expect((await groups.groupsOf(COMPANY, me.id)).map((g) => g.name)).toEqual(['data-team']);

    // Another admin keeps the company administered: the demotion goes through.
    await store.createUser({ company: COMPANY, username: `keeper-${unique}`, role: 'admin' });
    kc.user = { sub, claims: { preferred_username: `gina-${unique}`, groups: [] } };
    const demoted = await whoAmI((await new TestBrowser(h.url).signIn('keycloak')).cookies['clearml_token_basic']);
    expect(demoted.role).toBe('user');
    expect(await groups.groupsOf(COMPANY, me.id)).toEqual([]);
  });

  it('makes a holder of admin_role (default "admin", Keycloak realm roles) an admin', async () => {
    kc.user = { sub: subject(), claims: { preferred_username: `rita-${unique}`, realm_access: { roles: ['offline_access', 'admin'] } } };
    expect((await whoAmI((await new TestBrowser(h.url).signIn('keycloak')).cookies['clearml_token_basic'])).role).toBe('admin');
  });

  it('leaves admins to Warden when admin_role is "" and no admin group is set', async () => {
    strict.user = { sub: subject(), claims: { email: `ann${unique}@example.com`, email_verified: true, groups: ['ml-team'], roles: ['admin'] } };
    const me = await whoAmI((await new TestBrowser(h.url).signIn('strict')).cookies['clearml_token_basic']);
    expect(me.role).toBe('user');
  });

  it('matches an invited user by a verified email, links it and closes the invitation (single use)', async () => {
    const sub = subject();
    const users = h.gateway.gateway.parts.admin.users;
    const keeper = await store.createUser({ company: COMPANY, username: `inviter-${unique}`, role: 'admin' });
    const actor = { user: keeper.id, company: COMPANY };
    const { user: invited, invitation } = await users.create(actor, { username: `inv-${unique}`, email: `Invited${unique}@Example.com`, invite: true });
    expect(invitation).toBeDefined();
    other.user = { sub, claims: { email: `invited${unique}@example.com`, email_verified: true } };
    const answer = await new TestBrowser(h.url).signIn('other');
    expect(answer.location).toBe('/console');
    const me = await whoAmI(answer.cookies['clearml_token_basic']);
    expect(me.id).toBe(invited.id);
    // The link can no longer set a password for the account the person now enters through SSO.
    await expect(users.invitation(invitation!.token)).rejects.toMatchObject({ code: 'ERR_INVITATION_INVALID' });
    expect((await users.get(actor, invited.id)).invited_until).toBeUndefined();
  });

  it("ends a demoted admin's tokens, and never demotes the company's last admin (the sign-in is refused)", async () => {
    const company = randomBytes(16).toString('hex');
    await store.ensureCompany({ id: company, name: 'Solo' });
    const email = `solo${unique}@example.com`;
    const solo = await store.createUser({ company, username: `solo-${unique}`, email, role: 'admin' });
    const sub = subject();
    kc.user = { sub, claims: { email, email_verified: true, groups: ['wardens'] } };
    const first = await new TestBrowser(h.url).signIn('keycloak');
    const adminToken = first.cookies['clearml_token_basic'];
    expect((await whoAmI(adminToken)).role).toBe('admin');

    // The provider takes admin away from the only admin of the company: refused, nothing changes.
    kc.user = { sub, claims: { email, email_verified: true, groups: [] } };
    const refused = await new TestBrowser(h.url).signIn('keycloak');
    expect(loginError(refused)).toBe('ERR_SSO_LAST_ADMIN');
    expect(refused.cookies['clearml_token_basic']).toBeUndefined();
    expect((await store.getUser(solo.id))?.role).toBe('admin');
    expect(await status(adminToken)).toBe(200);

    // With a second admin the demotion goes through, and the admin token it carried ends at once.
    await store.createUser({ company, username: `solo-second-${unique}`, role: 'admin' });
    const demoted = await new TestBrowser(h.url).signIn('keycloak');
    expect(demoted.location).toBe('/console');
    expect((await whoAmI(demoted.cookies['clearml_token_basic'])).role).toBe('user');
    expect((await store.getUser(solo.id))?.role).toBe('user');
    const deadline = Date.now() + 2_000;
    while ((await status(adminToken)) !== 401 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await status(adminToken)).toBe(401);
  });

  it('reads the claims from the userinfo endpoint when get_info_from_access_token is false', async () => {
    info.user = { sub: subject(), claims: { name: 'Uma Info', email: `uma${unique}@example.com` } };
    const before = info.userinfoCalls.length;
    const me = await whoAmI((await new TestBrowser(h.url).signIn('info')).cookies['clearml_token_basic']);
    expect(info.userinfoCalls.length).toBe(before + 1);
    expect(me.email).toBe(`uma${unique}@example.com`);
  });

  it('makes one user of concurrent first sign-ins of one subject', async () => {
    kc.user = { sub: subject(), claims: { preferred_username: `twin-${unique}` } };
    const answers = await Promise.all(Array.from({ length: 6 }, () => new TestBrowser(h.url).signIn('keycloak')));
    const ids = await Promise.all(answers.map(async (a) => (await whoAmI(a.cookies['clearml_token_basic'])).id));
    expect(new Set(ids).size).toBe(1);
    expect((await store.listUsers(COMPANY)).filter((u) => u.username.startsWith(`twin-${unique}`))).toHaveLength(1);
  });

  it("picks up the provider's key rotation on the next sign-in", async () => {
    kc.user = { sub: subject(), claims: { preferred_username: `rot-${unique}` } };
    expect((await new TestBrowser(h.url).signIn('keycloak')).location).toBe('/console');
    kc.rotateKey();
    // An unknown kid refetches the JWKS at most every 30 s: the first one after start-up may wait.
    (h.sso.provider('keycloak').client.keys as unknown as { fetchedAt: number }).fetchedAt = 1;
    expect((await new TestBrowser(h.url).signIn('keycloak')).location).toBe('/console');
  });

  it('reports every provider in login.supported_modes as ClearML does', async () => {
    const res = await fetch(`${h.url}/login.supported_modes`, { method: 'POST' });
    const data = ((await res.json()) as { data: { sso: Record<string, string>; sso_providers: { name: string; url: string; available: boolean }[] } }).data;
    expect(data.sso['keycloak']).toBe('/login/sso/keycloak');
    expect(data.sso_providers.map((p) => p.name)).toEqual(['keycloak', 'other', 'strict', 'info', 'slow', 'badsecret', 'down']);
    expect(data.sso_providers.find((p) => p.name === 'down')?.available).toBe(false);
  });
});
