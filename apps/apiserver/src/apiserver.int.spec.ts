import { generateSecretSet } from '@warden/secrets';
import { spawnApiserverFor, spawnTestGateway } from '@warden/auth-service/testing';
import { spawnService, startOwnRedis, waitForStatus, type SpawnedService } from '@warden/http/testing';

// Integration tier: the built app as its own process, in production mode, against the real services.
const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
const production = { ...secrets, NODE_ENV: 'production', CLEARML__APISERVER__LISTEN_PORT: '0', CLEARML__APISERVER__METRICS__ENABLED: 'false' };

describe('apiserver process', () => {
  let service: SpawnedService | undefined;
  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });

  it('starts in production with generated secrets and is ready once every backend answers', async () => {
    service = await spawnService('apiserver', production);
    const ready = await waitForStatus(`${service.url}/ready`, (s) => s === 200);
    expect(ready.body).toMatchObject({ status: 'ready', failing: [] });
    expect(Object.keys((ready.body as { checks: object }).checks).sort()).toEqual(['elasticsearch', 'mongodb', 'redis', 'revocations', 'schema']);
    for (const value of Object.values(secrets)) expect(service.output()).not.toContain(value);
  }, 30_000);

  it('answers 503 naming Redis while it is down, and 200 again once it is back', async () => {
    // A Redis of this test's own, so that stopping it disturbs nothing else.
    const redis = await startOwnRedis();
    // The apiserver is ready only once it knows the revocation list, which the gateway publishes (and
    // rebuilds after Redis comes back empty): one runs on this Redis too.
    const db = `warden_int_apiserver_ready_${process.pid}_${Date.now()}`;
    const gateway = await spawnTestGateway(db, { CLEARML_REDIS_SERVICE_PORT: String(redis.port) });
    try {
      service = await spawnApiserverFor(gateway, db);
      await waitForStatus(`${service.url}/ready`, (s) => s === 200);
      await redis.kill();
      const down = await waitForStatus(`${service.url}/ready`, (s) => s === 503);
      expect(down.body).toMatchObject({ status: 'not_ready', failing: ['redis'] });
      await redis.start();
      await waitForStatus(`${service.url}/ready`, (s) => s === 200);
    } finally {
      await service?.stop();
      service = undefined;
      await gateway.stop();
      await redis.kill();
    }
  }, 90_000);

  it.each([
    ['mongodb', { CLEARML_MONGODB_SERVICE_PORT: '1' }],
    ['elasticsearch', { CLEARML_ELASTIC_SERVICE_PORT: '1' }],
  ])(
    'answers 503 naming %s when it cannot be reached',
    async (name, env) => {
      service = await spawnService('apiserver', { ...production, ...env });
      // The schema set-up waits on the same backend, so it is named too; on a loaded machine another
      // backend's check may time out once, so this waits for the answer that names only the dead one.
      const namesOnly = (body: unknown) => (body as { failing?: string[] }).failing?.filter((f) => f !== 'schema').join() === name;
      const res = await waitForStatus(`${service.url}/ready`, (s, body) => s === 503 && namesOnly(body));
      expect((res.body as { failing: string[] }).failing).toContain(name);
    },
    30_000,
  );

  it('drains and exits 0 on SIGTERM', async () => {
    service = await spawnService('apiserver', production);
    const code = await service.stop();
    service = undefined;
    expect(code).toBe(0);
  }, 30_000);
});
