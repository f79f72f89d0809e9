import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors';
import { resolveConfig } from './resolve';

const SECRET = 'Zq3v9LmN2xR8tY6wB1cD4fG7hJ0kP5sU-aE_iO9uQ2zX8yV3nM6bL1';

const schema = z.object({
  fileserver: z.object({
    listen_port: z.number(),
    storage: z.object({ path: z.string().optional() }).optional(),
    delete: z.object({ allow_batch: z.boolean() }),
    users: z.array(z.object({ name: z.string() })).default([]),
    labels: z.record(z.string()).optional(),
    extra: z.object({}).passthrough().optional(),
    level: z.enum(['info', 'debug']).default('info'),
  }),
  secure: z.object({ auth: z.object({ token_secret: z.enum(['a', 'b']).optional() }).default({}) }).default({}),
});

const defaults = { fileserver: { listen_port: 8081, delete: { allow_batch: true } } };

function resolve(env: Record<string, string>, confDir = mkdtempSync(join(tmpdir(), 'warden-keys-'))) {
  return resolveConfig({ app: 'fileserver', defaults, env: { CLEARML_CONFIG_DIR: confDir, ...env }, cwd: confDir });
}

function validationError(env: Record<string, string>): string {
  try {
    resolve(env).validate(schema);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('unknown keys', () => {
  it('warns about a typo with its source and the key it probably meant', () => {
    expect(resolve({ CLEARML__FILESERVER__DELETE__ALLOW_BACH: 'false' }).unknownKeys(schema)).toEqual([
      'unknown key fileserver.delete.allow_bach (from env CLEARML__FILESERVER__DELETE__ALLOW_BACH [env]): no Warden service reads it; did you mean fileserver.delete.allow_batch?',
    ]);
  });

  it('names the file and line of a key set in a .conf file, and suggests nothing far off', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-keys-'));
    mkdirSync(join(dir, 'conf'));
    writeFileSync(join(dir, 'conf', 'fileserver.conf'), 'listen_port: 8081\nstorage {\n  backend: bogus\n}\n');
    const [warning, ...rest] = resolve({}, join(dir, 'conf')).unknownKeys(schema);
    expect(rest).toEqual([]);
    expect(warning).toBe(`unknown key fileserver.storage.backend (from ${join(dir, 'conf', 'fileserver.conf')}:3 [file]): no Warden service reads it`);
  });

  it('leaves other services, shared sections and secrets alone', () => {
    const config = resolve({
      CLEARML__APISERVER__LISTEN_PORTT: '1',
      CLEARML__HOSTS__ELASTIC__WORKERS__HOSTS: '[]',
      CLEARML__SECURE__CREDENTIALS__FILESERVER__USER_KEY: 'k',
    });
    expect(config.unknownKeys(schema)).toEqual([]);
  });

  it('checks list items, accepts anything in records and passthrough objects', () => {
    const config = resolve({
      CLEARML__FILESERVER__USERS: '[{"name": "a"}, {"nam": "b"}]',
      CLEARML__FILESERVER__LABELS__ANYTHING: 'x',
      CLEARML__FILESERVER__EXTRA__WHATEVER: 'y',
    });
    expect(config.unknownKeys(schema)).toEqual([
      'unknown key fileserver.users.1.nam (from env CLEARML__FILESERVER__USERS [env]): no Warden service reads it; did you mean fileserver.users.1.name?',
    ]);
  });

  it('follows the scope: owned sections, subtrees read elsewhere, keys other services read', () => {
    const config = resolve({ CLEARML__FILESERVER__AUTH__X: '1', CLEARML__FILESERVER__OTHER: '1', CLEARML__APISERVER__TYPO: '1' });
    const other = z.object({ fileserver: z.object({ other: z.number() }) });
    expect(config.unknownKeys(schema, { owned: ['fileserver', 'apiserver'], readElsewhere: ['fileserver.auth'], alsoRead: [other] })).toEqual([
      'unknown key apiserver.typo (from env CLEARML__APISERVER__TYPO [env]): no Warden service reads it',
    ]);
  });
});

describe('values outside an allowed set', () => {
  it('are errors naming the key, the value, its source and the allowed values', () => {
    expect(validationError({ CLEARML__FILESERVER__LEVEL: 'loud' })).toContain(
      'fileserver.level: must be one of "info", "debug" ("loud" from env CLEARML__FILESERVER__LEVEL)',
    );
  });

  it('never repeat a secret value', () => {
    const message = validationError({ CLEARML__SECURE__AUTH__TOKEN_SECRET: SECRET });
    expect(message).toContain('secure.auth.token_secret: must be one of "a", "b" ("[REDACTED]" from env CLEARML__SECURE__AUTH__TOKEN_SECRET)');
    expect(message).not.toContain(SECRET);
  });

  it('list every allowed form of a union', () => {
    const union = z.object({ fileserver: z.object({ workers: z.union([z.number(), z.literal('auto')]) }) });
    expect(() => resolve({ CLEARML__FILESERVER__WORKERS: 'lots' }).validate(union)).toThrow('fileserver.workers: must be a number or "auto" ("lots" from env');
  });
});
