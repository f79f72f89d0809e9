import { randomBytes } from 'node:crypto';
import { CLEARML_AUTH_DEFAULTS, GATEWAY_AUTH_DEFAULTS, clearmlAuthSchema, gatewayAuthSchema } from '@warden/auth-service';
import { inProcessGateway } from '@warden/auth-service/testing';
import { generateKey, generateSecret } from '@warden/secrets';
import { SsoAccounts } from '../sso-accounts';
import { readProfile } from '../sso-profile';
import { connectionRules, samlClaims } from './connection-rules';
import { OIDC_PRESETS, SAML_PRESETS } from './connection-presets';
import type { ConnectionDoc } from './connection-store';

// Integration tier: a stored connection's sign-in through the same account path as the
// env-configured providers (claims mapping, group sync), confined to the connection's company.
jest.setTimeout(30_000);
const db = `warden_int_idp_sign_in_${process.pid}_${Date.now()}`;

describe('sign-in through a stored connection (real MongoDB-wire server)', () => {
  const { gateway, close } = inProcessGateway({
    name: 'idp-sign-in',
    db,
    clearml: clearmlAuthSchema.parse(CLEARML_AUTH_DEFAULTS),
    gateway: gatewayAuthSchema.parse(GATEWAY_AUTH_DEFAULTS),
    secrets: {
      tokenSecret: generateSecret(),
      sessionSecret: generateSecret(),
      systemCredentials: [{ name: 'apiserver', accessKey: generateKey(), secretKey: generateSecret() }],
    },
  });
  const { store } = gateway.parts.service.deps;
  let accounts: SsoAccounts;
  let companyA: string;
  let companyB: string;

  const doc = (protocol: 'oidc' | 'saml', company: string, config: Record<string, unknown>) =>
    ({ _id: randomBytes(16).toString('hex'), company, protocol, config }) as unknown as Pick<ConnectionDoc, '_id' | 'company' | 'protocol' | 'config'>;
  const saml = (company: string) => doc('saml', company, { ...SAML_PRESETS.custom, group_sync: { enabled: true, claim: 'groups' } });

  beforeAll(async () => {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      try {
        gateway.parts.assertReady();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    accounts = new SsoAccounts(gateway.parts.mongo, store, gateway.admin.groupStore, gateway.admin.users);
    await accounts.ensureIndexes();
    companyA = (await store.ensureCompany({ name: 'A' })).id;
    companyB = (await store.ensureCompany({ name: 'B' })).id;
    await gateway.admin.groupStore.create(companyA, 'ml');
    await gateway.admin.groupStore.create(companyB, 'ml');
  });
  afterAll(() => close());

  it("maps a SAML assertion's NameID and attributes, creates the user in the connection's company and syncs its groups", async () => {
    const rules = connectionRules(saml(companyA));
    const profile = readProfile(rules, samlClaims({ nameID: 'alice-1', attributes: { email: 'alice@a.test', name: 'alice', groups: ['ml', 'nope'] } }));
    const outcome = await accounts.signIn(rules, 'https://idp.a.test', profile);
    expect(outcome).toMatchObject({ created: true, groups: ['ml'], user: { company: companyA, username: 'alice', email: 'alice@a.test' } });
    const again = await accounts.signIn(
      rules,
      'https://idp.a.test',
      readProfile(rules, samlClaims({ nameID: 'alice-1', attributes: { email: 'alice@a.test', groups: [] } })),
    );
    expect(again).toMatchObject({ created: false, groups: [], user: { id: outcome.user.id } });
  });

  it("never takes over another company's user with the asserted email, nor signs in a user linked in another company", async () => {
    const bob = await store.createUser({ company: companyB, username: `bob-${db}`, email: 'bob@shared.test', role: 'admin' });
    const rules = connectionRules(saml(companyA));
    const outcome = await accounts.signIn(
      rules,
      'https://idp.evil.test',
      readProfile(rules, samlClaims({ nameID: 'bob', attributes: { email: 'bob@shared.test' } })),
    );
    expect(outcome.user.company).toBe(companyA);
    expect(outcome.user.id).not.toBe(bob.id);
    // The link made by B's own connection does not carry over to A's connection of the same IdP.
    const rulesB = connectionRules(saml(companyB));
    const linked = await accounts.signIn(
      rulesB,
      'https://idp.shared.test',
      readProfile(rulesB, samlClaims({ nameID: 'bob-b', attributes: { email: 'bob@shared.test' } })),
    );
    expect(linked.user.id).toBe(bob.id);
    await expect(accounts.signIn(rules, 'https://idp.shared.test', readProfile(rules, samlClaims({ nameID: 'bob-b', attributes: {} })))).rejects.toMatchObject({
      code: 'ERR_SSO_SIGNUP_NOT_ALLOWED',
    });
  });

  it('an OIDC connection creates users only when "create new users on first login" is on, and checks email verification', async () => {
    const base = { ...OIDC_PRESETS.keycloak, client_id: 'warden' };
    const closed = connectionRules(doc('oidc', companyA, { ...base, create_users_on_first_login: false }));
    await expect(
      accounts.signIn(closed, 'https://kc.test', readProfile(closed, { sub: 'carol', email: 'carol@a.test', email_verified: true })),
    ).rejects.toMatchObject({ code: 'ERR_SSO_SIGNUP_NOT_ALLOWED' });
    const open = connectionRules(doc('oidc', companyA, { ...base, create_users_on_first_login: true }));
    await expect(
      accounts.signIn(open, 'https://kc.test', readProfile(open, { sub: 'carol', email: 'carol@a.test', email_verified: false })),
    ).rejects.toMatchObject({ code: 'ERR_SSO_EMAIL_UNVERIFIED' });
    expect(
      (await accounts.signIn(open, 'https://kc.test', readProfile(open, { sub: 'carol', email: 'carol@a.test', email_verified: true }))).user.company,
    ).toBe(companyA);
  });
});
