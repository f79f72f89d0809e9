import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { spawnService, waitForStatus, type SpawnedService } from '@warden/http/testing';
import { generateSecretSet } from '@warden/secrets';
import { rememberPem, rememberSecret } from './leaks';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');
const MONGO = 'mongodb://127.0.0.1:27017';
const ELASTIC = 'http://127.0.0.1:9200';
// Access and secret keys that name, not open: the servers log access keys on purpose.
const IDENTIFIER = /_(USER|ACCESS)_KEY$/;

type AppName = 'auth-gateway' | 'apiserver' | 'fileserver';

/**
 * The production-mode stack the attacks run against: the three built apps as separate processes
 * with freshly generated secrets, the suite's own MongoDB databases on the shared MongoDB-wire
 * server, the shared Elasticsearch (per-company indices, removed afterwards) and a private Redis
 * the suite may stop and restart.
 */
export interface Stack {
  gateway: string;
  api: string;
  files: string;
  secrets: Record<string, string>;
  /** The gateway's signing key, configured by the suite so that it can sign tokens with hostile claims. */
  signingKey: KeyObject;
  signingKeyPem: string;
  /** Every app's output so far, by app. */
  logs(): Record<AppName, string>;
  redisStop(): Promise<void>;
  redisStart(): Promise<void>;
  /** Empties the private Redis (rate-limit counters among the rest). */
  redisFlush(): Promise<void>;
  /** Companies whose Elasticsearch indices go at teardown. */
  companies: string[];
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function redisCommand(command: 'start' | 'stop', port: number, runDir: string): Promise<void> {
  await run('bash', [join(ROOT, 'tools/services/redis.sh'), command], {
    env: { ...process.env, WARDEN_REDIS_PORT: String(port), WARDEN_RUN_DIR: runDir },
    timeout: 40_000,
  });
}

async function dropDatabases(names: string[]): Promise<void> {
  for (const name of names) {
    const connection = await mongoose.createConnection(`${MONGO}/${name}`, { serverSelectionTimeoutMS: 5000 }).asPromise();
    await connection.dropDatabase();
    await connection.close();
  }
}

/** Deletes the events indices of the suite's companies (events-<type>-<company>), by exact name. */
async function dropEventIndices(companies: string[]): Promise<void> {
  const elastic = (path: string, method = 'GET') => fetch(`${ELASTIC}${path}`, { method, signal: AbortSignal.timeout(10_000) });
  for (const company of companies) {
    if (!/^[0-9a-f]{32}$/.test(company)) continue;
    const listed = await elastic(`/_cat/indices/events-*-${company}?h=index&format=json`);
    if (!listed.ok) throw new Error(`listing the indices of company ${company} answered ${listed.status}`);
    for (const { index } of (await listed.json()) as { index: string }[]) {
      const deleted = await elastic(`/${index}`, 'DELETE');
      if (!deleted.ok) throw new Error(`deleting index ${index} answered ${deleted.status}`);
    }
  }
}

interface StackOptions {
  /** Extra secrets, given to every app with the generated ones. */
  extraSecrets?: Record<string, string>;
  /** Extra environment per app, on top of what every app gets. */
  extraEnv?: Partial<Record<AppName, Record<string, string>>>;
}

/**
 * Starts everything; on a failure part-way, stops what it started before rethrowing. `onStop`
 * gets the clean-up at once, so a signal during start-up can stop what has started so far.
 */
export async function startStack(options: StackOptions, onStop: (stop: () => Promise<void>) => void): Promise<Stack> {
  const work = mkdtempSync(join(tmpdir(), 'warden-attack-'));
  const suffix = randomBytes(6).toString('hex');
  const databases = [`warden_attack_${suffix}_auth`, `warden_attack_${suffix}_backend`];
  const redisPort = await freePort();
  const redisDir = join(work, 'run');
  const services: Partial<Record<AppName, SpawnedService>> = {};
  const companies: string[] = [];
  // Set once clean-up begins: the start-up step under way finishes, no further one begins.
  let stopping: Promise<void> | undefined;
  let current: Promise<unknown> = Promise.resolve();
  const step = async <T>(work: Promise<T>): Promise<T> => {
    current = work.catch(() => undefined);
    const value = await work;
    if (stopping) throw new Error('the suite is stopping');
    return value;
  };

  const cleanUp = async () => {
    await current;
    const problems: string[] = [];
    const attempt = async (what: string, step: () => Promise<unknown>) => {
      try {
        await step();
      } catch (error) {
        problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    await Promise.all(Object.values(services).map((s) => attempt('stopping an app', () => stopWithin(s, 15_000))));
    await attempt('stopping the private Redis', () => redisCommand('stop', redisPort, redisDir));
    await attempt('dropping the suite databases', () => dropDatabases(databases));
    await attempt('removing the suite indices', () => dropEventIndices(companies));
    rmSync(work, { recursive: true, force: true });
    if (problems.length > 0) console.error(`attack suite clean-up: ${problems.join('; ')}`);
  };
  const stop = () => (stopping ??= cleanUp());
  onStop(stop);

  try {
    await step(redisCommand('start', redisPort, redisDir));
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signingKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const secrets = { ...Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value])), ...options.extraSecrets };
    // Known to the log scan (and redacted from any output) before any app can log them.
    for (const [name, value] of Object.entries(secrets)) if (!IDENTIFIER.test(name)) rememberSecret(name, value);
    rememberPem('the signing key', signingKeyPem);
    const common = {
      ...secrets,
      NODE_ENV: 'production',
      CLEARML__HOSTS__MONGO__AUTH__HOST: `${MONGO}/${databases[0]}`,
      CLEARML__HOSTS__MONGO__BACKEND__HOST: `${MONGO}/${databases[1]}`,
      CLEARML_REDIS_SERVICE_PORT: String(redisPort),
    };
    const spawn = async (app: AppName, prefix: string, env: Record<string, string>) => {
      services[app] = await spawnService(
        app,
        { ...common, [`${prefix}__LISTEN_PORT`]: '0', [`${prefix}__METRICS__ENABLED`]: 'false', ...env, ...options.extraEnv?.[app] },
        30_000,
      );
      await waitForStatus(`${services[app].url}/ready`, (s) => s === 200, 40_000);
      return services[app].url;
    };
    const gateway = await step(spawn('auth-gateway', 'CLEARML__AUTH_GATEWAY', { CLEARML__SECURE__AUTH__SIGNING_KEY: signingKeyPem }));
    const jwks = `${gateway}/.well-known/jwks.json`;
    // Both settle before the step ends, so clean-up never misses an app still starting.
    const started = await step(
      Promise.allSettled([
        spawn('apiserver', 'CLEARML__APISERVER', { CLEARML__APISERVER__AUTH_GATEWAY__URL: gateway, CLEARML__APISERVER__AUTH__JWKS_URL: jwks }),
        spawn('fileserver', 'CLEARML__FILESERVER', {
          CLEARML__FILESERVER__AUTH__ENABLED: 'true',
          CLEARML__FILESERVER__AUTH__JWKS_URL: jwks,
          CLEARML__FILESERVER__STORAGE__PATH: join(work, 'files'),
        }),
      ]),
    );
    const [api, files] = started.map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    });
    return {
      gateway,
      api,
      files,
      secrets,
      signingKey: privateKey,
      signingKeyPem,
      companies,
      logs: () => ({
        'auth-gateway': services['auth-gateway']?.output() ?? '',
        apiserver: services.apiserver?.output() ?? '',
        fileserver: services.fileserver?.output() ?? '',
      }),
      redisStop: () => redisCommand('stop', redisPort, redisDir),
      redisStart: () => redisCommand('start', redisPort, redisDir),
      redisFlush: async () => void (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(redisPort), 'FLUSHALL'], { timeout: 10_000 })),
    };
  } catch (error) {
    const logs = Object.entries(services).map(([app, s]) => `----- ${app}\n${s?.output().slice(-4000)}`);
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logs.join('\n')}`);
  }
}

/** SIGTERM, then SIGKILL if the app has not drained in time. */
async function stopWithin(service: SpawnedService | undefined, ms: number): Promise<void> {
  if (!service || service.child.exitCode !== null) return;
  const timer = setTimeout(() => service.child.kill('SIGKILL'), ms);
  await service.stop();
  clearTimeout(timer);
}
