import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { runDoctor, type CheckId } from '@warden/doctor';
import { runSecretsCommand } from '@warden/secrets';
import { COMPOSE_DIR, ROOT, loadCompose } from './testing/compose';
import { CHART, helmTemplate, type K8sObject } from './testing/helm';

const BASE = join(COMPOSE_DIR, 'docker-compose.yml');
const TLS = join(COMPOSE_DIR, 'docker-compose.tls.yml');
const MINIMAL = join(CHART, 'ci/minimal-values.yaml');
const INGRESS = join(CHART, 'ci/ingress-tls-values.yaml');
const TRIAL = join(CHART, 'ci/trial-values.yaml');
const SCALE_OUT = join(CHART, 'ci/scale-out-values.yaml');
// Weak values the checks must catch, and must never print.
const SHORT_SECRET = 'Sh0rtButN0tPrintedQx7';
const PUBLISHED_KEY = 'EGRTCO8JMSIGI6S39GTP43NFWXDQOW';
const LITERAL_SECRET = 'LiteralInTheManifest-9f3c1e7a2b4d6f8091a3c5e7b9d1f3a5c7e9';

let dir: string;
let envFile: string;
let secretValues: string[];

/** Resolves compose files as `docker compose config` does (compose-go) and writes the project for doctor. */
function resolvedCompose(files: string[], env = envFile): string {
  const result = loadCompose(files, env);
  if (!result.ok) throw new Error(result.error);
  const path = join(dir, `resolved-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(result.project));
  return path;
}

function override(yaml: string): string {
  const path = join(dir, `override-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(path, yaml);
  return path;
}

function manifest(objects: K8sObject[] | string): string {
  const path = join(dir, `manifest-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, typeof objects === 'string' ? objects : objects.map((o) => stringify(o)).join('---\n'));
  return path;
}

function rendered(files: string[], sets: string[] = []): string {
  const result = helmTemplate(files, sets);
  if (!result.ok) throw new Error(result.error);
  return result.text;
}

async function failing(args: string[]): Promise<{ failed: CheckId[]; report: string; exitCode: number }> {
  const run = await runDoctor(args, {});
  for (const value of secretValues) expect(run.report).not.toContain(value);
  return { failed: run.results.filter((r) => r.status === 'fail').map((r) => r.check), report: run.report, exitCode: run.exitCode };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-doctor-'));
  envFile = join(dir, '.env');
  expect(runSecretsCommand(['generate', '--format', 'compose', '--out', envFile], () => undefined)).toBe(0);
  writeFileSync(envFile, `${readFileSync(envFile, 'utf8')}WARDEN_TLS_DIR=/etc/ssl/warden\nWARDEN_TLS_CERT_NAME=clearml.example.org\n`);
  secretValues = [...readFileSync(envFile, 'utf8').matchAll(/^CLEARML__SECURE__\w+=(.+)$/gm)].map((m) => m[1]);
  secretValues.push(SHORT_SECRET, PUBLISHED_KEY, LITERAL_SECRET);
  // Builds compose-go's loader and helm on a fresh machine (cached afterwards).
  loadCompose([BASE], envFile);
  helmTemplate([MINIMAL]);
}, 900_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('warden doctor over compose projects', () => {
  it('passes the shipped stack with its TLS variant', async () => {
    const run = await failing(['--compose', resolvedCompose([BASE, TLS])]);
    expect(run).toEqual({ failed: [], report: expect.stringContaining('no item failed (0 not covered)'), exitCode: 0 });
  });

  it('fails the stack without TLS on TLS alone: its apps listen on every address over plain http', async () => {
    const run = await failing(['--compose', resolvedCompose([BASE])]);
    expect(run.failed).toEqual(['tls']);
    expect(run.report).toContain('✗ compose service auth-gateway: listens on 0.0.0.0 over plain http');
    expect(run.report).toContain('fix: serve https');
  });

  it.each<[string, string, CheckId, string]>([
    ['MongoDB port published', 'services:\n  mongo:\n    ports: ["27017:27017"]\n', 'backing-services', 'compose service mongo publishes 27017->27017'],
    [
      'Redis on the host network',
      'services:\n  redis:\n    network_mode: host\n    networks: !reset null\n',
      'backing-services',
      "compose service redis uses the host's network",
    ],
    [
      'free access on',
      'services:\n  auth-gateway:\n    environment:\n      CLEARML__AUTH_GATEWAY__LOGIN__FREE_ACCESS: "true"\n',
      'web-login',
      'auth_gateway.login.free_access is on',
    ],
    [
      'fileserver auth off',
      'services:\n  fileserver:\n    environment:\n      CLEARML__FILESERVER__AUTH__ENABLED: "false"\n',
      'fileserver-auth',
      'fileserver.auth.enabled is false',
    ],
    [
      'skip_verify on',
      'services:\n  apiserver:\n    environment:\n      CLEARML__APISERVER__TLS__SKIP_VERIFY: "true"\n',
      'skip-verify',
      'apiserver.tls.skip_verify is on',
    ],
    [
      'a cleartext CORS origin',
      `services:\n  auth-gateway:\n    environment:\n      CLEARML__AUTH_GATEWAY__CORS__ALLOWED_ORIGINS: '["http://console.example.org"]'\n`,
      'cors',
      'allows http://console.example.org',
    ],
    [
      'development mode',
      'services:\n  fileserver:\n    environment:\n      NODE_ENV: development\n',
      'production-mode',
      'compose service fileserver: mode is development',
    ],
    [
      'TLS off in one app',
      'services:\n  fileserver:\n    environment:\n      CLEARML__FILESERVER__TLS__CERT: ""\n      CLEARML__FILESERVER__TLS__KEY: ""\n',
      'tls',
      'compose service fileserver: listens on 0.0.0.0 over plain http',
    ],
  ])('finds %s, and only that', async (_name, yaml, check, detail) => {
    const run = await failing(['--compose', resolvedCompose([BASE, TLS, override(yaml)])]);
    expect(run.failed).toEqual([check]);
    expect(failedLines(run.report)).toEqual([expect.stringContaining(detail)]);
    expect(run.exitCode).toBe(1);
  });

  it.each([
    ['a short secret', 'CLEARML__SECURE__AUTH__TOKEN_SECRET', SHORT_SECRET, 'secure.auth.token_secret is shorter than 50 characters'],
    [
      "ClearML's published default key",
      'CLEARML__SECURE__CREDENTIALS__APISERVER__USER_KEY',
      PUBLISHED_KEY,
      'secure.credentials.apiserver.user_key is a publicly known default value',
    ],
  ])('finds %s in the .env, naming the setting and never the value', async (_name, variable, value, problem) => {
    const weak = join(dir, `weak-${variable}.env`);
    writeFileSync(weak, readFileSync(envFile, 'utf8').replace(new RegExp(`^${variable}=.*$`, 'm'), `${variable}=${value}`));
    const run = await failing(['--compose', resolvedCompose([BASE, TLS], weak)]);
    expect(run.failed).toEqual(['secrets']);
    expect(run.report).toContain(problem);
  });

  it('refuses the compose file as written: its ${...} hide what the .env sets', async () => {
    await expect(runDoctor(['--compose', BASE], {})).rejects.toThrow('docker compose -f docker-compose.yml config > resolved.yml');
  });
});

describe('warden doctor over rendered Helm manifests', () => {
  const objectsOf = (text: string) =>
    parseAllDocuments(text)
      .map((d) => d.toJSON() as K8sObject)
      .filter(Boolean);

  it.each([
    ['external backends, ingress TLS', [MINIMAL, INGRESS]],
    ['trial backends', [TRIAL]],
    ['the production topology: replicas, S3 file storage', [SCALE_OUT]],
  ])('passes the chart as shipped (%s)', async (_name, files) => {
    const run = await failing(['--manifest', manifest(rendered(files))]);
    expect([run.failed, run.exitCode]).toEqual([[], 0]);
  });

  it.each<[string, string[], CheckId, string]>([
    [
      'a secret written into the values',
      [`authGateway.extraEnvs[0].name=CLEARML__SECURE__AUTH__TOKEN_SECRET`, `authGateway.extraEnvs[0].value=${LITERAL_SECRET}`],
      'secrets',
      'secure.auth.token_secret is written into the manifest as a literal value',
    ],
    [
      'the S3 secret key written into the values instead of fileserver.storage.s3.credentialsSecret',
      [
        ...['fileserver.storage.backend=s3', 'fileserver.storage.s3.bucket=artifacts'],
        'fileserver.extraEnvs[0].name=CLEARML__FILESERVER__STORAGE__S3__SECRET_KEY',
        `fileserver.extraEnvs[0].value=${LITERAL_SECRET}`,
      ],
      'secrets',
      'fileserver.storage.s3.secret_key is written into the manifest as a literal value',
    ],
    [
      'free access through apiserver.extraEnvs',
      ['apiserver.extraEnvs[0].name=CLEARML__AUTH_GATEWAY__LOGIN__FREE_ACCESS', 'apiserver.extraEnvs[0].value=true'],
      'web-login',
      'auth_gateway.login.free_access is on',
    ],
    [
      'fileserver auth off',
      ['fileserver.extraEnvs[0].name=CLEARML__FILESERVER__AUTH__ENABLED', 'fileserver.extraEnvs[0].value=false'],
      'fileserver-auth',
      'fileserver.auth.enabled is false',
    ],
    [
      'skip_verify',
      ['apiserver.extraEnvs[0].name=CLEARML__APISERVER__TLS__SKIP_VERIFY', 'apiserver.extraEnvs[0].value=true'],
      'skip-verify',
      'apiserver.tls.skip_verify is on',
    ],
  ])('finds %s, and only that', async (_name, sets, check, detail) => {
    const run = await failing(['--manifest', manifest(rendered([MINIMAL, INGRESS], sets))]);
    expect(run.failed).toEqual([check]);
    expect(run.report).toContain(detail);
  });

  it.each<[string, (objects: K8sObject[]) => void, CheckId, string]>([
    [
      'a NodePort to Redis',
      (o) => Object.assign(o.find((x) => x.kind === 'Service' && x.metadata.name === 'w-warden-redis')?.spec ?? {}, { type: 'NodePort' }),
      'backing-services',
      'Service w-warden-redis (StatefulSet w-warden-redis) is reachable from outside the cluster (NodePort)',
    ],
    [
      'a hostPort on MongoDB',
      (o) => Object.assign(podOf(o, 'w-warden-mongo').containers[0].ports[0], { hostPort: 27017 }),
      'backing-services',
      'StatefulSet w-warden-mongo opens host ports 27017',
    ],
  ])('finds %s in an edited trial manifest', async (_name, edit, check, detail) => {
    const objects = objectsOf(rendered([TRIAL]));
    edit(objects);
    const run = await failing(['--manifest', manifest(objects)]);
    expect(run.failed).toEqual([check]);
    expect(run.report).toContain(detail);
  });

  it('takes secrets a container gets whole through envFrom as unseen, and finds them missing without it', async () => {
    const objects = objectsOf(rendered([MINIMAL, INGRESS]));
    const gateway = containerOf(objects, 'w-warden-auth-gateway');
    gateway.env = gateway.env.filter((e) => !e.name.startsWith('CLEARML__SECURE__'));
    const missing = await failing(['--manifest', manifest(objects)]);
    expect(missing.failed).toEqual(['secrets']);
    expect(missing.report).toContain('secure.auth.token_secret is not set');
    gateway.envFrom = [{ secretRef: { name: 'warden-secrets' } }];
    expect((await failing(['--manifest', manifest(objects)])).failed).toEqual([]);
  });

  it('finds an ingress serving plain http', async () => {
    const objects = objectsOf(rendered([MINIMAL, INGRESS]));
    delete (objects.find((o) => o.kind === 'Ingress')?.spec as { tls?: unknown }).tls;
    const run = await failing(['--manifest', manifest(objects)]);
    expect(run.failed).toEqual(['tls']);
    expect(run.report).toContain('Ingress w-warden serves plain http');
  });
});

describe('warden doctor, the command', () => {
  const cli = (args: string[]) => {
    try {
      return { code: 0, out: execFileSync(join(ROOT, 'tools/cli/bin/warden'), ['doctor', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
    } catch (error) {
      const e = error as { status: number; stdout: string };
      return { code: e.status, out: e.stdout };
    }
  };

  it('exits 0 on a clean deployment, 1 on a failed item (for CI pipelines), 2 on wrong arguments', () => {
    expect(cli(['--compose', resolvedCompose([BASE, TLS])]).code).toBe(0);
    const weak = cli(['--compose', resolvedCompose([BASE])]);
    expect(weak.code).toBe(1);
    expect(weak.out).toMatch(/^FAIL {2}TLS on every non-loopback address$/m);
    for (const value of secretValues) expect(weak.out).not.toContain(value);
    expect(cli(['--compose']).code).toBe(2);
    expect(cli([]).out).toContain('nothing to check');
    expect(cli(['--api-url', 'https://127.0.0.1:1', '--ca-file', '/nonexistent-ca.pem'])).toEqual({
      code: 2,
      out: expect.stringContaining('/nonexistent-ca.pem'),
    });
  });
});

/** The observations listed under failed items. */
const failedLines = (report: string) => report.split('\n').filter((line) => line.startsWith('      ✗ '));

function containerOf(objects: K8sObject[], name: string): { env: { name: string }[]; envFrom?: unknown[] } {
  const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name) as K8sObject;
  return (d.spec as { template: { spec: { containers: { env: { name: string }[]; envFrom?: unknown[] }[] } } }).template.spec.containers[0];
}

function podOf(objects: K8sObject[], name: string): { containers: { ports: { hostPort?: number }[] }[] } {
  const set = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === name) as K8sObject;
  return (set.spec as { template: { spec: { containers: { ports: { hostPort?: number }[] }[] } } }).template.spec;
}
