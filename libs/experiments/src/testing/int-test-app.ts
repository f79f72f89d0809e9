import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { createClient, type RedisClientType } from 'redis';
import request from 'supertest';
import { WardenError } from '@warden/errors';
import { ClearmlApi, createLogger, createServiceApp, type TokenAuth } from '@warden/http';
import { CapturedLogs } from '@warden/http/testing';
import { SecretScrubber } from '@warden/secrets';
import type { Identity } from '../context';
import { registerExperimentEndpoints, type Experiments } from '../experiments';

// Integration specs only: the experiments endpoints in an express app against the real FerretDB
// from `tools/services.sh up mongo`. The token check is the apiserver's; here a bearer value
// names one of the test identities.

export const ALICE: Identity = {
  user: 'a11ce000000000000000000000000001',
  company: 'c0a00000000000000000000000000001',
  role: 'user',
  user_name: 'Alice',
  company_name: 'A',
};
export const ANNA: Identity = { ...ALICE, user: 'a11ce000000000000000000000000002', user_name: 'Anna' };
export const BOB: Identity = {
  user: 'b0b00000000000000000000000000001',
  company: 'c0b00000000000000000000000000002',
  role: 'user',
  user_name: 'Bob',
  company_name: 'B',
};
const IDENTITIES: Record<string, Identity> = { alice: ALICE, anna: ANNA, bob: BOB };

function testAuth(token: string): TokenAuth {
  const identity = IDENTITIES[token];
  if (!identity) throw new WardenError('ERR_UNAUTHORIZED');
  const claims = {
    iss: 'test',
    aud: 'clearml-api',
    sub: identity.user,
    jti: token,
    session_id: token,
    iat: 0,
    nbf: 0,
    exp: 0,
    identity,
    api_version: '2.31',
    server_version: '2.0.0',
    feature_set: 'basic',
    auth: { method: 'password' as const },
  };
  return { claims, token, via: 'header' };
}

export interface TestApp {
  experiments: Experiments;
  connection: Connection;
  /** The shared Redis, where this app's workers live under `workerKeyPrefix`. */
  redis: RedisClientType;
  workerKeyPrefix: string;
  deletedTasks: string[];
  /** company/id of every task or model published (locked), in order. */
  lockedIds: string[];
  /** Calls an endpoint the way the SDK does: GET with a JSON body carrying `"method": "get"`. */
  call(
    as: 'alice' | 'anna' | 'bob',
    endpoint: string,
    body?: Record<string, unknown>,
  ): Promise<{ status: number; data: Record<string, unknown>; meta: Record<string, unknown> }>;
  /** call(), for a call that must succeed: its data, or an Error naming the endpoint and the answer. */
  ok(as: 'alice' | 'anna' | 'bob', endpoint: string, body?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Sends a body as the given JSON text, for bodies JSON.stringify cannot make (too deep). */
  callRaw(
    as: 'alice' | 'anna' | 'bob',
    endpoint: string,
    json: string,
  ): Promise<{ status: number; data: Record<string, unknown>; meta: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** `maxBodyBytes`: the API's body limit (ClearmlApi's 1 MiB default; the apiserver's is 16 MiB). */
export async function startTestApp(options: { maxBodyBytes?: number } = {}): Promise<TestApp> {
  const connection = await mongoose
    .createConnection(`mongodb://127.0.0.1:27017/warden_test_experiments_${randomBytes(6).toString('hex')}`, {
      serverSelectionTimeoutMS: 3000,
      autoIndex: false,
    })
    .asPromise();
  const api = new ClearmlApi<TokenAuth>({
    maxBodyBytes: options.maxBodyBytes,
    authenticate: async (req) => testAuth((req.get('Authorization') ?? '').replace(/^Bearer /, '')),
  });
  const deletedTasks: string[] = [];
  const lockedIds: string[] = [];
  const redis: RedisClientType = createClient({ socket: { host: '127.0.0.1', port: 6379 } });
  await redis.connect();
  const workerKeyPrefix = `warden_test_workers_${randomBytes(6).toString('hex')}:`;
  const experiments = registerExperimentEndpoints(api, {
    connection,
    redis,
    workerKeyPrefix,
    onTaskDeleted: async (company, taskId) => void deletedTasks.push(`${company}/${taskId}`),
    onLocked: (company, id) => void lockedIds.push(`${company}/${id}`),
  });
  await experiments.ensureIndexes();
  const scrubber = new SecretScrubber();
  const app = createServiceApp({
    logger: createLogger({ name: 'experiments-test', level: 'silent', scrubber, destination: new CapturedLogs() }),
    scrubber,
    readiness: [],
    state: { draining: false, warnings: [] },
    exposeStacks: false,
    routes: api.router,
  });
  const callRaw = async (as: string, endpoint: string, json: string) => {
    const res = await request(app).get(`/v2.23/${endpoint}`).set('Authorization', `Bearer ${as}`).set('Content-Type', 'application/json').send(json);
    return { status: res.status, data: res.body.data, meta: res.body.meta };
  };
  const call = (as: string, endpoint: string, body: Record<string, unknown> = {}) => callRaw(as, endpoint, JSON.stringify({ ...body, method: 'get' }));
  return {
    experiments,
    connection,
    redis,
    workerKeyPrefix,
    deletedTasks,
    lockedIds,
    call,
    ok: async (as, endpoint, body) => {
      const res = await call(as, endpoint, body);
      if (res.status !== 200) throw new Error(`${endpoint}: ${res.status} ${JSON.stringify(res.meta)}`);
      return res.data;
    },
    callRaw,
    close: async () => {
      await connection.dropDatabase();
      await connection.close();
      for await (const key of redis.scanIterator({ MATCH: `${workerKeyPrefix}*`, COUNT: 100 })) await redis.del(key);
      await redis.quit();
    },
  };
}

type Answer = { status: number; meta: Record<string, unknown> };
/** ClearML's result code and subcode of an answer, e.g. [400, 101]. */
export const resultCode = (res: Answer) => [res.meta.result_code, res.meta.result_subcode];
/** The HTTP status, then ClearML's result code and subcode, e.g. [400, 400, 101]. */
export const statusAndCode = (res: Answer) => [res.status, res.meta.result_code, res.meta.result_subcode];
