import { secretsUsedBy } from '@warden/secrets';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors';
import { resolveConfig } from './resolve';

const SECRET = 'Zq3v9LmN2xR8tY6wB1cD4fG7hJ0kP5sU-aE_iO9uQ2zX8yV3nM6bL1';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'warden-config-'));
}

function writeConf(dir: string, rel: string, text: string): string {
  const file = join(dir, rel);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const defaults = { secure: { auth: { token_secret: '' } }, fileserver: { auth: { enabled: true } }, apiserver: { listen_port: 8008 } };

function resolve(env: Record<string, string>, cwd = tempDir()) {
  return resolveConfig({ app: 'auth-gateway', defaults, env: { CLEARML_CONFIG_DIR: tempDir(), ...env }, cwd });
}

describe('resolveConfig layers', () => {
  it.each(['CLEARML__SECURE__AUTH__TOKEN_SECRET', 'CLEARML__secure__auth__token_secret', 'CLEARML__Secure__Auth__Token_Secret'])(
    'reports %s as the source of secure.auth.token_secret, redacted',
    (name) => {
      const config = resolve({ [name]: SECRET });
      expect(config.get('secure.auth.token_secret')).toBe(SECRET);
      const explained = config.explain('secure.auth.token_secret');
      expect(explained).toContain(`set by env ${name} [env]`);
      expect(explained).toContain('[REDACTED]');
      expect(explained).not.toContain(SECRET);
    },
  );

  it('lets secure.conf override a default and an env var override secure.conf', () => {
    const dir = tempDir();
    const file = writeConf(dir, 'secure.conf', `{\n  auth {\n    token_secret: "from-the-file-${SECRET}"\n  }\n}\n`);
    const fromFile = resolveConfig({ app: 'auth-gateway', defaults, env: { CLEARML_CONFIG_DIR: dir }, cwd: tempDir() });
    expect(fromFile.get('secure.auth.token_secret')).toBe(`from-the-file-${SECRET}`);
    expect(fromFile.sourceOf('secure.auth.token_secret')).toBe(`${file}:3`);

    const fromEnv = resolveConfig({
      app: 'auth-gateway',
      defaults,
      env: { CLEARML_CONFIG_DIR: dir, CLEARML__SECURE__AUTH__TOKEN_SECRET: SECRET },
      cwd: tempDir(),
    });
    expect(fromEnv.get('secure.auth.token_secret')).toBe(SECRET);
    const explained = fromEnv.explain('secure.auth.token_secret');
    expect(explained).toMatch(new RegExp(`overrides "\\[REDACTED\\]" from ${file}:3 \\[file\\]`));
    expect(explained).toContain('overrides "" from built-in default (auth-gateway) [default]');
  });

  it('keys files by their relative path and merges several directories in order', () => {
    const first = tempDir();
    const second = tempDir();
    writeConf(first, 'services/login.conf', 'sso.oauth_client.keycloak.base_url: "https://idp.example/realms/x"\nsso.enabled: true');
    writeConf(second, 'services/login.conf', 'sso.enabled: false');
    writeConf(second, 'apiserver.conf', 'listen_port: 9000');
    const config = resolveConfig({ app: 'apiserver', defaults, env: { CLEARML_CONFIG_DIR: `${first}:${second}` }, cwd: tempDir() });
    expect(config.get('services.login.sso.oauth_client.keycloak.base_url')).toBe('https://idp.example/realms/x');
    expect(config.get('services.login.sso.enabled')).toBe(false);
    expect(config.get('apiserver.listen_port')).toBe(9000);
  });

  it('types env values: booleans, numbers, lists and URLs', () => {
    const config = resolve({
      CLEARML__fileserver__auth__enabled: 'false',
      CLEARML__APISERVER__LISTEN_PORT: '9001',
      CLEARML__services__login__sso__oauth_client__keycloak__groups__admins: '"[\\"a\\",\\"b\\"]"',
      CLEARML__services__login__sso__oauth_client__keycloak__base_url: 'http://host:8081/realms/x',
    });
    expect(config.get('fileserver.auth.enabled')).toBe(false);
    expect(config.get('apiserver.listen_port')).toBe(9001);
    expect(config.get('services.login.sso.oauth_client.keycloak.groups.admins')).toEqual(['a', 'b']);
    expect(config.get('services.login.sso.oauth_client.keycloak.base_url')).toBe('http://host:8081/realms/x');
  });

  it('reads .env files below the process environment', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), `# local\nCLEARML__APISERVER__LISTEN_PORT=7000\nCLEARML__fileserver__auth__enabled=false\n`);
    const config = resolve({ CLEARML__APISERVER__LISTEN_PORT: '7001' }, cwd);
    expect(config.get('apiserver.listen_port')).toBe(7001);
    expect(config.get('fileserver.auth.enabled')).toBe(false);
    expect(config.sourceOf('fileserver.auth.enabled')).toBe('.env:3 (CLEARML__fileserver__auth__enabled)');
  });

  it('reads *_FILE variants and mounted secret directories', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'token'), `${SECRET}\n`);
    const config = resolve({ CLEARML__SECURE__AUTH__TOKEN_SECRET_FILE: join(dir, 'token') });
    expect(config.get('secure.auth.token_secret')).toBe(SECRET);
    expect(config.sourceOf('secure.auth.token_secret')).toContain('CLEARML__SECURE__AUTH__TOKEN_SECRET_FILE');

    const mounted = tempDir();
    writeFileSync(join(mounted, 'CLEARML__SECURE__CREDENTIALS__TESTS__USER_SECRET'), 'a-mounted-secret-value');
    writeFileSync(join(mounted, 'secure.credentials.tests.user_key'), 'A-MOUNTED-KEY');
    writeFileSync(join(mounted, 'apiserver.listen_port'), '1');
    const fromDir = resolve({ WARDEN_SECRETS_DIR: mounted });
    expect(fromDir.get('secure.credentials.tests.user_secret')).toBe('a-mounted-secret-value');
    expect(fromDir.get('secure.credentials.tests.user_key')).toBe('A-MOUNTED-KEY');
    expect(fromDir.get('apiserver.listen_port')).toBe(8008);
    expect(fromDir.warnings.join()).toMatch(/apiserver.listen_port does not name a secret setting/);
  });

  it('refuses a secret set both directly and through _FILE, and an unreadable secret file', () => {
    expect(() => resolve({ CLEARML__SECURE__AUTH__TOKEN_SECRET: SECRET, CLEARML__SECURE__AUTH__TOKEN_SECRET_FILE: '/x' })).toThrow(
      /both CLEARML__SECURE__AUTH__TOKEN_SECRET and CLEARML__SECURE__AUTH__TOKEN_SECRET_FILE are set/,
    );
    expect(() => resolve({ CLEARML__SECURE__AUTH__TOKEN_SECRET_FILE: '/nonexistent/secret' })).toThrow(/cannot be read \(ENOENT\)/);
  });

  it('does not read non-secret *_FILE settings as files', () => {
    const config = resolve({ CLEARML__APISERVER__TLS__CERT_FILE: '/etc/tls/cert.pem' });
    expect(config.get('apiserver.tls.cert_file')).toBe('/etc/tls/cert.pem');
  });

  it("applies ClearML's CLEARML_*_SERVICE_* connection overrides", () => {
    const config = resolveConfig({
      app: 'apiserver',
      defaults: {
        hosts: {
          mongo: { backend: { host: 'mongodb://u:p@127.0.0.1:27017/backend?x=1' } },
          redis: { apiserver: { host: '127.0.0.1', port: 6379 } },
          elastic: { events: { hosts: [{ host: '127.0.0.1', port: 9200 }] } },
        },
      },
      env: {
        CLEARML_CONFIG_DIR: tempDir(),
        CLEARML_MONGODB_SERVICE_HOST: 'mongo',
        CLEARML_MONGODB_SERVICE_PORT: '27018',
        CLEARML_REDIS_SERVICE_HOST: 'redis',
        CLEARML_REDIS_SERVICE_PORT: '6380',
        CLEARML_ELASTIC_SERVICE_HOST: 'es',
        CLEARML_ELASTIC_SERVICE_PORT: '9201',
      },
      cwd: tempDir(),
    });
    expect(config.get('hosts.mongo.backend.host')).toBe('mongodb://u:p@mongo:27018/backend?x=1');
    expect(config.get('hosts.redis.apiserver')).toEqual({ host: 'redis', port: 6380 });
    expect(config.get('hosts.elastic.events.hosts')).toEqual([{ host: 'es', port: 9201 }]);
    expect(config.sourceOf('hosts.redis.apiserver.port')).toBe('env CLEARML_REDIS_SERVICE_PORT');
    expect(config.explain('hosts.mongo.backend.host')).toContain('mongodb://u:[REDACTED]@mongo:27018');
  });

  it('rejects malformed env names and prototype keys', () => {
    expect(() => resolve({ CLEARML__A____B: '1' })).toThrow(/empty path segment/);
    expect(() => resolve({ CLEARML__A__CONSTRUCTOR__PROTOTYPE: '1' })).toThrow(/not an allowed key/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('warns about a named config directory that does not exist', () => {
    const config = resolveConfig({ app: 'apiserver', defaults, env: { CLEARML_CONFIG_DIR: '/nonexistent/warden' }, cwd: tempDir() });
    expect(config.warnings).toEqual(['config directory /nonexistent/warden (from CLEARML_CONFIG_DIR) does not exist; skipped']);
  });
});

describe('validation', () => {
  const schema = z.object({
    apiserver: z.object({ listen_port: z.number().int() }),
    secure: z.object({ auth: z.object({ token_secret: z.number() }) }),
    fileserver: z.object({ auth: z.object({ enabled: z.boolean() }) }),
  });

  it('names the key, the redacted value and the source of every problem', () => {
    const dir = tempDir();
    const file = writeConf(dir, 'fileserver.conf', 'auth {\n  enabled: "yes"\n}');
    const config = resolveConfig({
      app: 'apiserver',
      defaults,
      env: { CLEARML_CONFIG_DIR: dir, CLEARML__APISERVER__LISTEN_PORT: 'eighty', CLEARML__SECURE__AUTH__TOKEN_SECRET: SECRET },
      cwd: tempDir(),
    });
    let message = '';
    try {
      config.validate(schema);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('ERR_CONFIG_INVALID');
      message = (error as Error).message;
    }
    expect(message).toContain('apiserver.listen_port: Expected number, received string ("eighty" from env CLEARML__APISERVER__LISTEN_PORT)');
    expect(message).toContain(`fileserver.auth.enabled: Expected boolean, received string ("yes" from ${file}:2)`);
    expect(message).toContain('secure.auth.token_secret: Expected number, received string ("[REDACTED]" from env CLEARML__SECURE__AUTH__TOKEN_SECRET)');
    expect(message).not.toContain(SECRET);
  });

  it('returns the typed config when valid', () => {
    const ok = z.object({ apiserver: z.object({ listen_port: z.number() }) });
    expect(resolve({}).validate(ok)).toEqual({ apiserver: { listen_port: 8008 } });
  });
});

describe('secret policy through the resolver', () => {
  it('refuses production with defaults, listing every key and its env var, but never a value', () => {
    const config = resolveConfig({
      app: 'apiserver',
      defaults: {},
      env: {
        NODE_ENV: 'production',
        CLEARML_CONFIG_DIR: tempDir(),
        CLEARML__SECURE__CREDENTIALS__APISERVER__USER_KEY: 'GSQWPEKSKNKF354LC9V6BHXKTYFD5I',
      },
      cwd: tempDir(),
    });
    expect(config.mode).toBe('production');
    let message = '';
    try {
      config.enforceSecretPolicy();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('secure.credentials.apiserver.user_key is a publicly known default value');
    expect(message).toContain('set by env CLEARML__SECURE__CREDENTIALS__APISERVER__USER_KEY');
    expect(message).toContain('secure.credentials.apiserver.user_secret is not set');
    expect(message).toContain('CLEARML__SECURE__CREDENTIALS__APISERVER__USER_SECRET_FILE');
    expect(message).not.toContain('GSQWPEKSKNKF354LC9V6BHXKTYFD5I');
  });

  it('only warns in development', () => {
    const config = resolveConfig({ app: 'fileserver', defaults: {}, env: { CLEARML_CONFIG_DIR: tempDir() }, cwd: tempDir() });
    const warnings = config.enforceSecretPolicy();
    const required = secretsUsedBy('fileserver').filter((s) => s.required);
    expect(warnings).toHaveLength(required.length);
    for (const warning of warnings) expect(warning).toMatch(/^UNSAFE SECRET/);
  });

  it('loads every secret, including list-nested passwords, into the scrubber', () => {
    const dir = tempDir();
    writeConf(dir, 'apiserver.conf', 'auth.fixed_users.users: [{ username: jane, password: "jane-password-123" }]');
    const config = resolveConfig({
      app: 'apiserver',
      defaults,
      env: { CLEARML_CONFIG_DIR: dir, CLEARML__SECURE__AUTH__TOKEN_SECRET: SECRET },
      cwd: tempDir(),
    });
    const scrubbed = config.secretScrubber().scrub(`${SECRET} jane-password-123 jane`);
    expect(scrubbed).toBe('[REDACTED] [REDACTED] jane');
  });
});
