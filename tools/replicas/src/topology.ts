import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { spawnService, startOwnRedis, waitForStatus, type OwnRedis, type SpawnedService } from '@warden/http/testing';
import { generateSecretSet } from '@warden/secrets';
import { startFront, type Front } from './front';
import type { Storage } from './storage';

const MONGO = 'mongodb://127.0.0.1:27017';
const START_TIMEOUT_MS = 40_000;

export type AppName = 'auth-gateway' | 'apiserver' | 'fileserver';
const PREFIX: Record<AppName, string> = {
  'auth-gateway': 'CLEARML__AUTH_GATEWAY',
  apiserver: 'CLEARML__APISERVER',
  fileserver: 'CLEARML__FILESERVER',
};

/** One process of one service, which the suite can kill and start again on the same port. */
export class Replica {
  service?: SpawnedService;
  private earlierOutput = '';

  constructor(
    readonly name: string,
    readonly app: AppName,
    private env: Record<string, string>,
  ) {}

  get url(): string {
    if (!this.service) throw new Error(`${this.name} is not running`);
    return this.service.url;
  }

  async start(extraEnv: Record<string, string> = {}): Promise<void> {
    const port = this.service?.port ?? 0;
    if (this.service) this.earlierOutput += this.service.output();
    this.env = { ...this.env, ...extraEnv, [`${PREFIX[this.app]}__LISTEN_PORT`]: String(port) };
    this.service = await spawnService(this.app, this.env, START_TIMEOUT_MS);
    await waitForStatus(`${this.service.url}/ready`, (s) => s === 200, START_TIMEOUT_MS);
  }

  /** SIGKILL: no drain, no close hooks, as a crashed pod or a lost node. */
  async kill(): Promise<void> {
    const child = this.service?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM, then SIGKILL if it has not drained within 15 s. */
  async stop(): Promise<void> {
    const service = this.service;
    if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
    const timer = setTimeout(() => service.child.kill('SIGKILL'), 15_000);
    await service.stop();
    clearTimeout(timer);
  }

  /** Everything it logged, earlier runs included. */
  output(): string {
    return this.earlierOutput + (this.service?.output() ?? '');
  }
}

/** Two replicas of each service on loopback sharing one MongoDB, Redis, Elasticsearch and store, and a front per service. */
export interface Topology {
  gateways: [Replica, Replica];
  apiservers: [Replica, Replica];
  fileservers: [Replica, Replica];
  fronts: { gateway: Front; api: Front; files: Front };
  redis: OwnRedis;
  storage: Storage;
  admin: { username: string; password: string };
  /** Generated secrets, by variable: no log may hold them. */
  secrets: Record<string, string>;
  all(): Replica[];
  stop(): Promise<void>;
}

async function dropDatabases(names: string[]): Promise<void> {
  for (const name of names) {
    const connection = await mongoose.createConnection(`${MONGO}/${name}`, { serverSelectionTimeoutMS: 5000 }).asPromise();
    await connection.dropDatabase();
    await connection.close();
  }
}

export interface TopologyOptions {
  storage: Storage;
  /** Extra environment per service, given to both of its replicas. */
  env?: Partial<Record<AppName, Record<string, string>>>;
}

/**
 * Starts the topology; on a failure part-way, stops what it started and rethrows with the logs.
 * The apps run in production mode with freshly generated secrets, as tools/private-stack.sh starts them.
 */
export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const work = mkdtempSync(join(tmpdir(), 'warden-replicas-'));
  const suffix = randomBytes(6).toString('hex');
  const databases = [`warden_replicas_${suffix}_auth`, `warden_replicas_${suffix}_backend`];
  const admin = { username: 'admin', password: `Rep-${randomBytes(18).toString('base64url')}` };
  const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
  const replicas: Replica[] = [];
  const fronts: Front[] = [];
  let redis: OwnRedis | undefined;

  const stop = async () => {
    await Promise.all(replicas.map((r) => r.stop().catch(() => undefined)));
    await Promise.all(fronts.map((f) => f.close()));
    await redis?.kill();
    await dropDatabases(databases).catch((error: unknown) => console.error(`replicas: dropping the databases: ${String(error)}`));
    await options.storage.cleanUp();
    rmSync(work, { recursive: true, force: true });
  };

  try {
    redis = await startOwnRedis();
    const common = {
      ...secrets,
      NODE_ENV: 'production',
      CLEARML__HOSTS__MONGO__AUTH__HOST: `${MONGO}/${databases[0]}`,
      CLEARML__HOSTS__MONGO__BACKEND__HOST: `${MONGO}/${databases[1]}`,
      CLEARML_REDIS_SERVICE_PORT: String(redis.port),
    };
    const pair = (app: AppName, env: Record<string, string>): [Replica, Replica] => {
      const made = [1, 2].map(
        (n) => new Replica(`${app} ${n}`, app, { ...common, [`${PREFIX[app]}__METRICS__ENABLED`]: 'false', ...env, ...options.env?.[app] }),
      ) as [Replica, Replica];
      replicas.push(...made);
      return made;
    };

    const gateways = pair('auth-gateway', {
      CLEARML__APISERVER__AUTH__FIXED_USERS__ENABLED: 'true',
      CLEARML__APISERVER__AUTH__FIXED_USERS__USERS: JSON.stringify([{ username: admin.username, password: admin.password, name: 'Admin', admin: true }]),
    });
    // The first gateway generates the signing key; the second must find it in MongoDB, not make its own.
    await gateways[0].start();
    await gateways[1].start();
    const gateway = await startFront(gateways.map((g) => g.url));
    fronts.push(gateway);
    const jwks = `${gateway.url}/.well-known/jwks.json`;

    const storageEnv = options.storage.env(work);
    // The store's secret key (S3) is one more secret no log may hold.
    for (const [name, value] of Object.entries(storageEnv)) if (name.endsWith('SECRET_KEY')) secrets[name] = value;
    const apiservers = pair('apiserver', { CLEARML__APISERVER__AUTH_GATEWAY__URL: gateway.url, CLEARML__APISERVER__AUTH__JWKS_URL: jwks });
    const fileservers = pair('fileserver', {
      CLEARML__FILESERVER__AUTH__ENABLED: 'true',
      CLEARML__FILESERVER__AUTH__JWKS_URL: jwks,
      ...storageEnv,
    });
    await Promise.all([...apiservers, ...fileservers].map((r) => r.start()));
    const api = await startFront(apiservers.map((r) => r.url));
    const files = await startFront(fileservers.map((r) => r.url));
    fronts.push(api, files);

    return {
      gateways,
      apiservers,
      fileservers,
      fronts: { gateway, api, files },
      redis,
      storage: options.storage,
      admin,
      secrets,
      all: () => [...replicas],
      stop,
    };
  } catch (error) {
    const logs = replicas.map((r) => `----- ${r.name}\n${r.output().slice(-3000)}`).join('\n');
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logs}`);
  }
}
