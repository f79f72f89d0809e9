import { createClient, type RedisClientType } from 'redis';
import { IdentityStore } from '@warden/identity';
import { TestBrowser, TestSamlIdp, callEndpoint, ssoButtons, startSsoHarness, userToken, type SsoHarness } from '../testing';

// Integration tier: two gateway replicas (in-process, each on its own port) sharing Redis and the
// MongoDB-wire server: a connection turned on or off on one is seen by the other within 2 s, also
// when the change message is lost (the replica's poll of the change counter converges).
jest.setTimeout(60_000);
const db = `warden_int_idp_replicas_${process.pid}_${Date.now()}`;
const LIMIT_MS = 2_000;
const idp = new TestSamlIdp();

let one: SsoHarness;
let two: SsoHarness;
let store: IdentityStore;
let redis: RedisClientType;
let admin: string;
let id: string;
const figures: Record<string, number> = {};

/** Milliseconds until `check` holds on the other replica (polled every 10 ms), or LIMIT_MS * 2 if never. */
async function until(check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < LIMIT_MS * 2) {
    if (await check()) return Math.round(performance.now() - started);
    await new Promise((r) => setTimeout(r, 10));
  }
  return LIMIT_MS * 2;
}

const listed = async (h: SsoHarness) => (await ssoButtons(h.url)).some((b) => b.name === `connection-${id}`);
const loginStatus = async (h: SsoHarness) => (await new TestBrowser(h.url).get(`/sso/${id}/login`)).status;

beforeAll(async () => {
  // Same name and database: the same Redis namespace, as replicas of one deployment share.
  one = await startSsoHarness('idp-replicas', db, []);
  two = await startSsoHarness('idp-replicas', db, [], one.secrets);
  redis = createClient({ socket: { host: '127.0.0.1', port: 6379 } });
  await redis.connect();
  store = new IdentityStore({ connection: one.gateway.backends.mongo!.connection, credentialPepper: one.secrets.tokenSecret });
  const company = (await store.ensureCompany({ name: `Replicas ${db}` })).id;
  admin = await userToken(one.url, store, company, `admin-${db}`, 'admin');
  const created = await callEndpoint<{ connection: { id: string } }>(one.url, admin, 'identity_providers.create', {
    protocol: 'saml',
    provider: 'custom',
    web_app_url: one.url,
    display_name: 'Replicated SAML',
    entity_id: `${one.url}/saml`,
    idp_metadata: idp.metadata(),
  });
  id = created.connection.id;
}, 60_000);

afterAll(async () => {
  console.info(`toggle seen by the second replica after (ms): ${JSON.stringify(figures)}`);
  await redis?.quit();
  await store?.close();
  await one?.close();
  await two?.close();
});

describe('the active toggle across gateway replicas', () => {
  it('reaches the second replica within 2 s, on and off (login page list, supported_modes, the login route)', async () => {
    expect(await listed(two)).toBe(false);
    await callEndpoint(one.url, admin, 'identity_providers.set_active', { id, active: true });
    figures['on'] = await until(() => listed(two));
    expect(figures['on']).toBeLessThan(LIMIT_MS);
    expect(await loginStatus(two)).toBe(302);
    await callEndpoint(one.url, admin, 'identity_providers.set_active', { id, active: false });
    figures['off'] = await until(async () => !(await listed(two)));
    expect(figures['off']).toBeLessThan(LIMIT_MS);
    // The route reads the connection itself: refused at once, not after a poll.
    expect(await loginStatus(two)).toBe(404);
  });

  it('converges within 2 s when the change message is lost (the counter is polled)', async () => {
    // A change as another replica writes it, whose publish never arrived: MongoDB and the counter only.
    await one.gateway.backends.mongo!.connection.collection('idp_connections').updateOne({ _id: id as never }, { $set: { active: true } });
    await redis.incr(`warden-test-idp-replicas-${db}:sso:idp-connections:version`);
    figures['lost-message'] = await until(() => listed(two));
    expect(figures['lost-message']).toBeLessThan(LIMIT_MS);
  });

  it('drops a deleted connection from the other replica within 2 s', async () => {
    await callEndpoint(one.url, admin, 'identity_providers.delete', { id });
    figures['delete'] = await until(async () => !(await listed(two)));
    expect(figures['delete']).toBeLessThan(LIMIT_MS);
  });
});
