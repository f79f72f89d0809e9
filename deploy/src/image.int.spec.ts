import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { startOwnRedis, type OwnRedis } from '@warden/http/testing';
import { generateSecretSet, runSecretsCommand, type AppName } from '@warden/secrets';
import { COMPOSE_DIR, loadCompose } from './testing/compose';
import { buildImageLayout, type ImageLayout } from './testing/image-layout';

// Integration tier: the image's layout, built here from the Dockerfile's own instructions, started with
// docker-compose.yml's environment, against loopback services (its own Redis, its own MongoDB databases).
const APPS: AppName[] = ['auth-gateway', 'apiserver', 'fileserver'];
const SECTION: Record<AppName, string> = { 'auth-gateway': 'AUTH_GATEWAY', apiserver: 'APISERVER', fileserver: 'FILESERVER' };
const dbPrefix = `warden_int_image_${process.pid}_${Date.now()}`;
const databases: string[] = [];

let work: string;
let layout: ImageLayout;
let redis: OwnRedis;
let composeEnv: Record<AppName, Record<string, string>>;
const running: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * What differs from the containers, and nothing else: the compose network's host names become
 * loopback, ports are free ones (the apps do not share a network namespace here), the databases and
 * the Redis are this test's own, storage is a temporary folder.
 */
function adapt(app: AppName, env: Record<string, string>, ports: Record<AppName, number>, db: string): Record<string, string> {
  const section = SECTION[app];
  const gateway = `http://127.0.0.1:${ports['auth-gateway']}`;
  const changes: Record<string, string> = {
    CLEARML_MONGODB_SERVICE_HOST: '127.0.0.1',
    CLEARML_ELASTIC_SERVICE_HOST: '127.0.0.1',
    CLEARML_REDIS_SERVICE_HOST: '127.0.0.1',
    CLEARML_REDIS_SERVICE_PORT: String(redis.port),
    CLEARML__HOSTS__MONGO__BACKEND__HOST: `mongodb://127.0.0.1:27017/${db}_backend`,
    CLEARML__HOSTS__MONGO__AUTH__HOST: `mongodb://127.0.0.1:27017/${db}_auth`,
    [`CLEARML__${section}__LISTEN_IP`]: '127.0.0.1',
    [`CLEARML__${section}__LISTEN_PORT`]: String(ports[app]),
    [`CLEARML__${section}__METRICS__ENABLED`]: 'false',
    ...(app === 'apiserver' && { CLEARML__APISERVER__AUTH_GATEWAY__URL: gateway, CLEARML__APISERVER__AUTH__JWKS_URL: `${gateway}/.well-known/jwks.json` }),
    ...(app === 'fileserver' && {
      CLEARML__FILESERVER__AUTH__JWKS_URL: `${gateway}/.well-known/jwks.json`,
      CLEARML__FILESERVER__STORAGE__PATH: join(work, 'files'),
    }),
  };
  return { ...env, ...changes };
}

/** Starts an app as the image's ENTRYPOINT does; resolves once the image's HEALTHCHECK script passes. */
async function start(app: AppName, env: Record<string, string>, port: number): Promise<void> {
  const child = spawn('sh', [join(layout.root, 'bin/entrypoint.sh'), app], {
    cwd: mkdtempSync(join(work, `${app}-`)),
    env: { PATH: process.env.PATH ?? '', CLEARML_CONFIG_DIR: '/nonexistent-warden-config', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  running.push(child);
  const url = `http://127.0.0.1:${port}/ready`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const check = spawnSync('node', [join(layout.root, 'bin/healthcheck.mjs')], { env: { ...process.env, WARDEN_HEALTH_URL: url }, encoding: 'utf8' });
    if (check.status === 0) return;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${app}: ${url} not healthy (${check.stderr.trim()}); its output:\n${output}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function doctor(app: AppName, env: Record<string, string>, args: string[]): { status: number | null; out: string } {
  const run = spawnSync('sh', [join(layout.root, 'bin/entrypoint.sh'), app, 'doctor', ...args], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '', CLEARML_CONFIG_DIR: '/nonexistent-warden-config', ...env },
    encoding: 'utf8',
  });
  return { status: run.status, out: run.stdout + run.stderr };
}

/** Each stack its own databases: a gateway keeps its signing keys sealed under its own token secret. */
function stackDatabase(): string {
  databases.push(`${dbPrefix}_${databases.length}`);
  return databases[databases.length - 1];
}

const failedItems = (out: string) => [...out.matchAll(/^FAIL {2}(.+)$/gm)].map((m) => m[1]);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'warden-image-'));
  const started = Date.now();
  layout = buildImageLayout(join(work, 'opt-warden'));
  console.log(`image layout built in ${Date.now() - started} ms: ${layout.ran.join('; ')}`);
  const envFile = join(work, '.env');
  expect(runSecretsCommand(['generate', '--format', 'compose', '--out', envFile], () => undefined)).toBe(0);
  const loaded = loadCompose([join(COMPOSE_DIR, 'docker-compose.yml')], envFile);
  if (!loaded.ok) throw new Error(loaded.error);
  composeEnv = Object.fromEntries(APPS.map((app) => [app, loaded.project.services[app].environment ?? {}])) as typeof composeEnv;
  redis = await startOwnRedis();
}, 300_000);

afterAll(async () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGTERM');
  await redis?.kill();
  for (const name of databases.flatMap((db) => [`${db}_backend`, `${db}_auth`])) {
    const connection = await mongoose.createConnection(`mongodb://127.0.0.1:27017/${name}`).asPromise();
    await connection.dropDatabase();
    await connection.close();
  }
  rmSync(work, { recursive: true, force: true });
});

describe('the image recipe without Docker', () => {
  it('lays out what the Dockerfile copies: the bundles, production packages only, the entrypoint', () => {
    expect(layout.workdir).toBe('/opt/warden');
    expect(layout.ran).toEqual([expect.stringContaining('npm ci --omit=dev'), expect.stringContaining('nx run-many -t build')]);
    const packages = JSON.parse(readFileSync(join(layout.root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const name of Object.keys(packages.dependencies))
      expect([name, spawnSync('test', ['-d', join(layout.root, 'node_modules', name)]).status]).toEqual([name, 0]);
    for (const name of ['jest', 'typescript', 'nx', 'esbuild'])
      expect([name, spawnSync('test', ['-e', join(layout.root, 'node_modules', name)]).status]).toEqual([name, 1]);
    for (const app of APPS) expect([app, spawnSync('test', ['-f', join(layout.root, 'dist/apps', app, 'main.js')]).status]).toEqual([app, 0]);
  });

  it("starts the three apps with docker-compose.yml's environment; each is ready by the image's healthcheck; doctor passes them", async () => {
    const ports = { 'auth-gateway': await freePort(), apiserver: await freePort(), fileserver: await freePort() };
    const db = stackDatabase();
    const env = Object.fromEntries(APPS.map((app) => [app, adapt(app, composeEnv[app], ports, db)])) as typeof composeEnv;
    expect(APPS.map((app) => env[app].NODE_ENV)).toEqual(['production', 'production', 'production']);
    await start('auth-gateway', env['auth-gateway'], ports['auth-gateway']);
    await Promise.all([start('apiserver', env.apiserver, ports.apiserver), start('fileserver', env.fileserver, ports.fileserver)]);

    const urls = [
      '--web-url',
      `http://127.0.0.1:${ports['auth-gateway']}`,
      '--api-url',
      `http://127.0.0.1:${ports.apiserver}`,
      '--files-url',
      `http://127.0.0.1:${ports.fileserver}`,
    ];
    for (const app of APPS) {
      const run = doctor(app, env[app], urls);
      expect([app, failedItems(run.out), run.status]).toEqual([app, [], 0]);
      for (const [name, value] of Object.entries(env[app])) if (name.startsWith('CLEARML__SECURE__')) expect(run.out).not.toContain(value);
    }
  }, 180_000);

  it.each<[string, Record<string, string>, Record<string, string>, string[]]>([
    // tools/stack.sh's development stack: generated secrets, a fixed admin, development mode.
    ['the local development stack', {}, {}, ['production mode']],
    [
      'a weakened development stack',
      { CLEARML__AUTH_GATEWAY__LOGIN__FREE_ACCESS: 'true', CLEARML__AUTH_GATEWAY__CORS__ALLOWED_ORIGINS: '["http://console.example.org"]' },
      { CLEARML__FILESERVER__AUTH__ENABLED: 'false' },
      ['production mode', 'web login on, free access off', 'fileserver authentication on', 'CORS closed'],
    ],
  ])(
    'doctor reports what %s lacks',
    async (_name, gatewayExtra, fileserverExtra, failing) => {
      const ports = { 'auth-gateway': await freePort(), apiserver: 0, fileserver: await freePort() };
      const secrets = generateSecretSet();
      const password = generateSecretSet()[0].value;
      const dev: Record<string, string> = {
        ...Object.fromEntries(secrets.map((s) => [s.envVar, s.value])),
        CLEARML__APISERVER__AUTH__FIXED_USERS__ENABLED: 'true',
        CLEARML__APISERVER__AUTH__FIXED_USERS__USERS: JSON.stringify([{ username: 'admin', password, name: 'Admin', admin: true }]),
      };
      const db = stackDatabase();
      const gatewayEnv = { ...adapt('auth-gateway', dev, ports, db), ...gatewayExtra };
      const fileserverEnv = { ...adapt('fileserver', dev, ports, db), ...fileserverExtra };
      await start('auth-gateway', gatewayEnv, ports['auth-gateway']);
      await start('fileserver', fileserverEnv, ports.fileserver);
      const gateway = `http://127.0.0.1:${ports['auth-gateway']}`;
      const run = doctor('auth-gateway', gatewayEnv, ['--web-url', gateway, '--api-url', gateway, '--files-url', `http://127.0.0.1:${ports.fileserver}`]);
      expect(failedItems(run.out).sort()).toEqual([...failing].sort());
      expect(run.status).toBe(1);
      for (const value of [...secrets.map((s) => s.value), password]) expect(run.out).not.toContain(value);
    },
    120_000,
  );
});
