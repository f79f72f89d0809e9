import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECRET_SETTINGS, envVarFor, runSecretsCommand, secretsUsedBy, type AppName } from '@warden/secrets';
import { COMPOSE_DIR, extraEnvs, loadCompose, pasteUnderApiserverEnvironment, type ComposeProject } from './testing/compose';

const BASE = join(COMPOSE_DIR, 'docker-compose.yml');
const TLS = join(COMPOSE_DIR, 'docker-compose.tls.yml');
const S3 = join(COMPOSE_DIR, 'docker-compose.s3.yml');
const APPS: AppName[] = ['auth-gateway', 'apiserver', 'fileserver'];
const BACKING = ['mongo', 'elasticsearch', 'redis'];
// What `npm run secrets -- generate` writes: keys and shared secrets.
const SECRET_VARS = SECRET_SETTINGS.filter((s) => s.kind === 'key' || s.kind === 'secret').map((s) => envVarFor(s.path));

let dir: string;
let envFile: string;
let dotenv: Map<string, string>;

function mustLoad(files: string[]): ComposeProject {
  const result = loadCompose(files, envFile);
  if (!result.ok) throw new Error(result.error);
  return result.project;
}

const published = (p: ComposeProject) =>
  Object.entries(p.services).flatMap(([name, s]) => (s.ports ?? []).map((port) => `${name}:${port.published}->${port.target}`));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-compose-'));
  envFile = join(dir, '.env');
  // The operator's first step, through the real command.
  expect(runSecretsCommand(['generate', '--format', 'compose', '--out', envFile], () => undefined)).toBe(0);
  writeFileSync(envFile, readFileSync(envFile, 'utf8') + 'WARDEN_TLS_DIR=/etc/ssl/warden\nWARDEN_TLS_CERT_NAME=clearml.example.org\n');
  dotenv = new Map([...readFileSync(envFile, 'utf8').matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  // The first load builds compose-go's loader from Go modules (cached afterwards).
  loadCompose([BASE], envFile);
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy/compose (loaded by compose-go, validated against the compose-spec schema)', () => {
  it('refuses to load without the generated .env: no secret has a default', () => {
    const result = loadCompose([BASE]);
    expect(result.ok).toBe(false);
    const error = result.ok ? '' : result.error;
    expect(error).toContain('run npm run secrets -- generate --format compose --out deploy/compose/.env');
    expect(error).toMatch(/required variable CLEARML__SECURE__\w+ is missing a value/);
  });

  it('publishes exactly the public ports, all on the gateway that holds the stack network', () => {
    expect(published(mustLoad([BASE])).sort()).toEqual(['auth-gateway:8008->8008', 'auth-gateway:8080->8080', 'auth-gateway:8081->8081']);
    expect(published(mustLoad([BASE, TLS])).sort()).toEqual(['auth-gateway:8008->8008', 'auth-gateway:8081->8081', 'auth-gateway:8443->8443']);
  });

  it('keeps MongoDB, Elasticsearch and Redis on the internal network only', () => {
    const project = mustLoad([BASE]);
    expect(Object.keys(project.services).sort()).toEqual([...APPS, ...BACKING].sort());
    expect(project.networks.backend.internal).toBe(true);
    for (const name of BACKING) {
      expect([name, project.services[name].ports ?? []]).toEqual([name, []]);
      expect([name, Object.keys(project.services[name].networks ?? {})]).toEqual([name, ['backend']]);
    }
    for (const name of ['apiserver', 'fileserver']) expect(project.services[name].network_mode).toBe('service:auth-gateway');
  });

  it('has a healthcheck on every service, and every dependency waits until healthy', () => {
    const project = mustLoad([BASE]);
    for (const [name, service] of Object.entries(project.services)) {
      expect([name, service.healthcheck?.disable ?? false, (service.healthcheck?.test ?? []).length > 1]).toEqual([name, false, true]);
      for (const [dep, { condition }] of Object.entries(service.depends_on ?? {})) expect(`${name}->${dep}:${condition}`).toMatch(/:service_healthy$/);
    }
    expect(Object.keys(project.services.apiserver.depends_on ?? {}).sort()).toEqual(['auth-gateway', ...BACKING].sort());
  });

  it('writes no secret literal: every secret is a required ${VAR} from the .env', () => {
    const text = readFileSync(BASE, 'utf8') + readFileSync(TLS, 'utf8');
    for (const name of SECRET_VARS) {
      const uses = [...text.matchAll(new RegExp(`^\\s*${name}:(.*)$`, 'gm'))].map((m) => m[1].trim());
      expect(uses.length).toBeGreaterThan(0);
      for (const use of uses) expect(use.startsWith(`\${${name}:?`)).toBe(true);
    }
  });

  it('gives each app the generated values of exactly the secrets it uses', () => {
    const project = mustLoad([BASE]);
    for (const app of APPS) {
      const env = project.services[app].environment ?? {};
      const held = Object.keys(env).filter((k) => SECRET_VARS.includes(k));
      const used = secretsUsedBy(app)
        .map((s) => envVarFor(s.path))
        .filter((v) => SECRET_VARS.includes(v));
      expect([app, held.sort()]).toEqual([app, used.sort()]);
      for (const name of held) expect(env[name]).toBe(dotenv.get(name));
    }
  });

  it('runs the apps in production mode, read-only, without capabilities, writing only to the file store', () => {
    const project = mustLoad([BASE]);
    for (const app of APPS) {
      const s = project.services[app];
      expect([app, s.command, s.environment?.NODE_ENV, s.read_only, s.cap_drop]).toEqual([app, [app], 'production', true, ['ALL']]);
    }
    expect(project.services.fileserver.volumes?.map((v) => v.target)).toEqual([project.services.fileserver.environment?.CLEARML__FILESERVER__STORAGE__PATH]);
  });

  it("takes the seed's compose variables under apiserver: environment: in the apiserver and the gateway", () => {
    const lines = readFileSync(join(__dirname, 'fixtures/seed-compose-secrets.yml'), 'utf8');
    const edited = join(dir, 'docker-compose.yml');
    writeFileSync(edited, pasteUnderApiserverEnvironment(readFileSync(BASE, 'utf8'), lines));
    const project = mustLoad([edited]);
    const seed = [...lines.matchAll(/^\s+(\w+): "(.*)"$/gm)].map((m) => [m[1], m[2]]);
    expect(seed).toHaveLength(8);
    for (const [name, value] of seed) {
      expect([name, project.services['auth-gateway'].environment?.[name]]).toEqual([name, value]);
      expect([name, project.services.apiserver.environment?.[name]]).toEqual([name, value]);
    }
    // The gateway's own generated secrets stay where the seed sets nothing.
    const operator = 'CLEARML__SECURE__AUTH__OPERATOR_SECRET';
    expect(project.services['auth-gateway'].environment?.[operator]).toBe(dotenv.get(operator));
  });

  it("takes the KeyCloak page's SSO variables under apiserver: environment: in the gateway, unchanged", () => {
    const sso = extraEnvs(join(__dirname, 'fixtures/seed-keycloak-extra-envs.yml'));
    expect(sso).toHaveLength(14);
    const edited = join(dir, 'docker-compose.yml');
    const lines = sso.map((e) => `      ${e.name}: ${JSON.stringify(e.value)}\n`).join('');
    writeFileSync(edited, pasteUnderApiserverEnvironment(readFileSync(BASE, 'utf8'), lines));
    const gateway = mustLoad([edited]).services['auth-gateway'].environment ?? {};
    for (const { name, value } of sso) expect([name, gateway[name]]).toEqual([name, value]);
  });

  it('TLS variant: certificates mounted read-only in each app, internal calls over https on loopback', () => {
    const project = mustLoad([BASE, TLS]);
    for (const app of APPS) {
      const mount = project.services[app].volumes?.find((v) => v.target === '/etc/warden/tls');
      expect([app, mount?.read_only, mount?.source]).toEqual([app, true, '/etc/ssl/warden']);
      const section = app.replace('-', '_').toUpperCase();
      expect(project.services[app].environment?.[`CLEARML__${section}__TLS__CERT`]).toBe('/etc/warden/tls/fullchain.pem');
    }
    const api = project.services.apiserver.environment ?? {};
    expect(api.CLEARML__APISERVER__AUTH_GATEWAY__URL).toBe('https://127.0.0.1:8443');
    expect(api.CLEARML__APISERVER__TLS__CERT_NAME).toBe('clearml.example.org');
    expect(project.services.fileserver.environment?.CLEARML__FILESERVER__AUTH__JWKS_URL).toMatch(/^https:\/\/127\.0\.0\.1:8443\//);
  });

  describe('S3 variant', () => {
    const withS3 = (extra: string) => {
      const file = join(dir, `.env-s3-${Math.random().toString(36).slice(2)}`);
      writeFileSync(file, readFileSync(envFile, 'utf8') + extra);
      // Right after the base file, as documented: its !reset applies to what the files before it set.
      return loadCompose([BASE, S3, TLS], file);
    };

    it('refuses to load without the bucket, naming the variable', () => {
      const result = withS3('');
      expect(result.ok ? '' : result.error).toContain('set CLEARML__FILESERVER__STORAGE__S3__BUCKET in deploy/compose/.env');
    });

    it("stores into the .env's bucket, with no volume and no storage path, passing only the S3 settings the .env sets", () => {
      const result = withS3('CLEARML__FILESERVER__STORAGE__S3__BUCKET=artifacts\nCLEARML__FILESERVER__STORAGE__S3__ENDPOINT=https://s3.example.org\n');
      if (!result.ok) throw new Error(result.error);
      const files = result.project.services.fileserver;
      const storage = Object.entries(files.environment ?? {}).filter(([name]) => name.includes('__STORAGE__'));
      expect(Object.fromEntries(storage)).toEqual({
        CLEARML__FILESERVER__STORAGE__BACKEND: 's3',
        CLEARML__FILESERVER__STORAGE__S3__BUCKET: 'artifacts',
        CLEARML__FILESERVER__STORAGE__S3__ENDPOINT: 'https://s3.example.org',
        // Unset (null): compose passes nothing, so the app's default, or the AWS SDK's credential chain, holds.
        CLEARML__FILESERVER__STORAGE__S3__REGION: null,
        CLEARML__FILESERVER__STORAGE__S3__PREFIX: null,
        CLEARML__FILESERVER__STORAGE__S3__PATH_STYLE: null,
        CLEARML__FILESERVER__STORAGE__S3__ACCESS_KEY: null,
        CLEARML__FILESERVER__STORAGE__S3__SECRET_KEY: null,
      });
      // Only the TLS files remain mounted: nothing of the store is on the host.
      expect(files.volumes?.map((v) => v.target)).toEqual(['/etc/warden/tls']);
      expect([files.read_only, files.environment?.NODE_ENV]).toEqual([true, 'production']);
    });

    it('takes the key pair from the .env', () => {
      const result = withS3(
        'CLEARML__FILESERVER__STORAGE__S3__BUCKET=artifacts\nCLEARML__FILESERVER__STORAGE__S3__ACCESS_KEY=AKIAEXAMPLEKEY\nCLEARML__FILESERVER__STORAGE__S3__SECRET_KEY=example-secret-from-env\n',
      );
      if (!result.ok) throw new Error(result.error);
      const env = result.project.services.fileserver.environment ?? {};
      expect([env.CLEARML__FILESERVER__STORAGE__S3__ACCESS_KEY, env.CLEARML__FILESERVER__STORAGE__S3__SECRET_KEY]).toEqual([
        'AKIAEXAMPLEKEY',
        'example-secret-from-env',
      ]);
      for (const app of ['auth-gateway', 'apiserver'])
        expect(Object.keys(result.project.services[app].environment ?? {}).filter((n) => n.includes('__S3__'))).toEqual([]);
    });
  });
});
