import { Schema } from 'mongoose';
import { HOSTS_DEFAULTS, hostsSchema } from '@warden/config';
import { createLogger } from '@warden/http';
import { SecretScrubber } from '@warden/secrets';
import { connectBackends } from './connect-backends';

// Integration tier: needs the services from `tools/services.sh up` on their default loopback ports.
const hosts = hostsSchema.parse(HOSTS_DEFAULTS);
const logger = createLogger({ name: 'backends-test', level: 'silent', scrubber: new SecretScrubber() });

async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('backing services (real Redis, FerretDB, Elasticsearch)', () => {
  const backends = connectBackends(
    { ...hosts, mongo: { ...hosts.mongo, backend: { host: 'mongodb://127.0.0.1:27017/warden_int_test' } } },
    { redis: true, mongo: 'backend', elasticsearch: true },
    logger,
  );
  afterAll(() => backends.close());

  it('reports each backend ready', async () => {
    expect(backends.readiness.map((r) => r.name)).toEqual(['redis', 'mongodb', 'elasticsearch']);
    for (const check of backends.readiness) await eventually(() => check.check());
  });

  it('stores and reads through Redis', async () => {
    await eventually(() => backends.readiness[0].check());
    const key = `warden:int:${Date.now()}`;
    await backends.redis!.client.set(key, 'v', { EX: 60 });
    expect(await backends.redis!.client.get(key)).toBe('v');
  });

  it('writes, indexes and queries through mongoose', async () => {
    await eventually(() => backends.readiness[1].check());
    const Model = backends.mongo!.connection.model(`IntProbe${Date.now()}`, new Schema({ name: { type: String, required: true }, company: String, n: Number }));
    await Model.collection.createIndex({ company: 1, name: 1 }, { unique: true });
    await Model.create([
      { name: 'a', company: 'c1', n: 1 },
      { name: 'b', company: 'c1', n: 2 },
      { name: 'a', company: 'c2', n: 3 },
    ]);
    await expect(Model.create({ name: 'a', company: 'c1' })).rejects.toThrow(/E11000|duplicate/);
    const found = await Model.find({ company: 'c1' }).sort({ n: -1 }).lean();
    expect(found.map((d) => d.name)).toEqual(['b', 'a']);
    await Model.updateOne({ company: 'c2', name: 'a' }, { $inc: { n: 10 } });
    expect((await Model.findOne({ company: 'c2' }).lean())?.n).toBe(13);
    await Model.collection.drop();
  });

  it('indexes and searches through @elastic/elasticsearch', async () => {
    await eventually(() => backends.readiness[2].check());
    const es = backends.elasticsearch!.client;
    const index = `warden-int-${Date.now()}`;
    await es.index({ index, id: 'e1', document: { metric: 'loss', value: 0.5 }, refresh: true });
    const result = await es.search({ index, query: { term: { metric: 'loss' } } });
    expect(result.hits.hits.map((h) => h._id)).toEqual(['e1']);
    await es.indices.delete({ index });
  });

  it('reports a backend on a closed port as not ready, naming it', async () => {
    const down = connectBackends({ ...hosts, redis: { apiserver: { ...hosts.redis.apiserver, port: 1 } } }, { redis: true }, logger);
    try {
      await expect(down.readiness[0].check()).rejects.toThrow(/not connected to 127.0.0.1:1/);
    } finally {
      await down.close();
    }
  });
});
