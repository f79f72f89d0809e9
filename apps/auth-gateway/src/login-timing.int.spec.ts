import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { spawnTestGateway, type TestGateway } from '@warden/auth-service/testing';
import { IdentityStore } from '@warden/identity';
import { generateKey, generateSecret } from '@warden/secrets';

// Integration tier: the built gateway in production mode on the real Redis and MongoDB-wire server.
// Local users are off so that a failed key login is the key check alone: with them on, both kinds
// of attempt fall through to the same password check for a username that does not exist (identical
// by construction), whose deliberately slow hash would drown a 2 ms bound in noise on a shared machine.
const db = `warden_int_timing_${process.pid}_${Date.now()}`;
const ROUNDS = 120;
const UNLIMITED = '1000000';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

describe('login timing does not tell whether an access key exists (real gateway)', () => {
  let gateway: TestGateway;
  let knownKeys: string[];

  beforeAll(async () => {
    gateway = await spawnTestGateway(db, {
      CLEARML__AUTH_GATEWAY__LOGIN__LOCAL_USERS: 'false',
      // Hundreds of failures from one client: the limits under test elsewhere must stay out of the way.
      CLEARML__AUTH_GATEWAY__LOGIN__LIMITS__PER_CLIENT__FAILURES: UNLIMITED,
      CLEARML__AUTH_GATEWAY__LOGIN__LIMITS__PER_ACCOUNT_CLIENT__FAILURES: UNLIMITED,
      CLEARML__AUTH_GATEWAY__LOGIN__LIMITS__BACKOFF__AFTER_FAILURES: UNLIMITED,
      CLEARML__AUTH_GATEWAY__LOGIN__LIMITS__PER_ACCOUNT__SLOW_AFTER_FAILURES: UNLIMITED,
    });
    const tenant = await gateway.createTenant('timing');
    const connection = await mongoose.createConnection(`mongodb://127.0.0.1:27017/${db}`).asPromise();
    const store = new IdentityStore({ connection, credentialPepper: gateway.secrets['CLEARML__SECURE__AUTH__TOKEN_SECRET'] });
    knownKeys = [tenant.accessKey];
    for (let i = 0; i < ROUNDS; i++) knownKeys.push((await store.createCredentials(tenant.user)).access_key);
    await store.close();
    await connection.close();
  }, 90_000);

  afterAll(async () => {
    expect(await gateway.stop()).toBe(0);
    await mongoose
      .createConnection(`mongodb://127.0.0.1:27017/${db}`)
      .asPromise()
      .then(async (c) => {
        await c.dropDatabase();
        await c.close();
      });
  });

  async function attemptMs(accessKey: string): Promise<number> {
    const started = process.hrtime.bigint();
    const res = await fetch(`${gateway.service.url}/auth.login`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${accessKey}:${generateSecret()}`).toString('base64')}` },
    });
    await res.arrayBuffer();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(res.status).toBe(401);
    return ms;
  }

  it('answers a known key with a wrong secret as fast as an unknown key, warm and cold (median of interleaved attempts)', async () => {
    const [warmKnown, warmUnknown] = [knownKeys[0], generateKey()];
    const kinds = {
      warmKnown: () => warmKnown,
      warmUnknown: () => warmUnknown,
      // Never tried before, so not in any cache of the gateway.
      coldKnown: (round: number) => knownKeys[round + 1],
      coldUnknown: () => generateKey(),
    };
    const samples: Record<keyof typeof kinds, number[]> = { warmKnown: [], warmUnknown: [], coldKnown: [], coldUnknown: [] };
    for (let i = 0; i < 10; i++) await attemptMs(i % 2 ? warmKnown : warmUnknown);
    for (let round = 0; round < ROUNDS; round++) {
      // A fresh random order each round, so drift in the machine's load hits every kind alike.
      const order = (Object.keys(kinds) as (keyof typeof kinds)[]).sort(() => randomBytes(1)[0] - 128);
      for (const kind of order) samples[kind].push(await attemptMs(kinds[kind](round)));
    }
    const m = Object.fromEntries(Object.entries(samples).map(([kind, values]) => [kind, Number(median(values).toFixed(2))]));
    const differences = { warm: Math.abs(m.warmKnown - m.warmUnknown), cold: Math.abs(m.coldKnown - m.coldUnknown) };
    process.stdout.write(`login timing medians (ms): ${JSON.stringify(m)}\n`);
    expect({ medians: m, warm: differences.warm < 2, cold: differences.cold < 2 }).toEqual({ medians: m, warm: true, cold: true });
  }, 20_000);
});
