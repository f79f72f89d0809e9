import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { runConfigCommand } from './config-command';
import { resolveConfig } from './resolve';

const SECRET = 'Zq3v9LmN2xR8tY6wB1cD4fG7hJ0kP5sU-aE_iO9uQ2zX8yV3nM6bL1';
const schema = z.object({ apiserver: z.object({ listen_port: z.number(), log_format: z.enum(['json', 'text']).default('json') }) });

function run(args: string[], env: Record<string, string> = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'warden-cmd-'));
  const config = resolveConfig({
    app: 'apiserver',
    defaults: { apiserver: { listen_port: 8008 } },
    env: { CLEARML_CONFIG_DIR: join(cwd, 'none'), CLEARML__SECURE__CREDENTIALS__APISERVER__USER_SECRET: SECRET, ...env },
    cwd,
  });
  const out: string[] = [];
  const code = runConfigCommand(args, config, schema, (t) => out.push(t));
  return { code, text: out.join('\n') };
}

describe('config command', () => {
  it('dumps the merged tree with secrets redacted', () => {
    const { code, text } = run(['dump']);
    expect(code).toBe(0);
    expect(JSON.parse(text)).toEqual({
      apiserver: { listen_port: 8008 },
      secure: { credentials: { apiserver: { user_secret: '[REDACTED]' } } },
    });
    expect(text).not.toContain(SECRET);
  });

  it('explains a key', () => {
    expect(run(['explain', 'apiserver.listen_port'], { CLEARML__APISERVER__LISTEN_PORT: '9' }).text).toBe(
      'apiserver.listen_port = 9\n  set by env CLEARML__APISERVER__LISTEN_PORT [env]\n      overrides 8008 from built-in default (apiserver) [default]',
    );
  });

  it('checks: valid config with unsafe secrets fails only in production', () => {
    const dev = run(['check']);
    expect(dev.code).toBe(0);
    expect(dev.text).toContain('unsafe secret: secure.credentials.apiserver.user_key is not set');
    expect(run(['check'], { NODE_ENV: 'production' }).code).toBe(1);
    const invalid = run(['check'], { CLEARML__APISERVER__LISTEN_PORT: 'x' });
    expect(invalid.code).toBe(1);
    expect(invalid.text).toContain('apiserver.listen_port: Expected number');
  });

  it('checks: unknown keys warn and pass, values outside the allowed set fail', () => {
    const typo = run(['check'], { CLEARML__APISERVER__LISTEN_PROT: '9', CLEARML__FILESERVER__ANYTHING: '1' });
    expect(typo.code).toBe(0);
    expect(typo.text).toContain(
      'warning: unknown key apiserver.listen_prot (from env CLEARML__APISERVER__LISTEN_PROT [env]): no Warden service reads it; did you mean apiserver.listen_port?',
    );
    expect(typo.text).not.toContain('fileserver');
    expect(typo.text).toContain('apiserver: configuration valid');
    const invalid = run(['check'], { CLEARML__APISERVER__LOG_FORMAT: 'xml' });
    expect(invalid.code).toBe(1);
    expect(invalid.text).toContain('apiserver.log_format: must be one of "json", "text" ("xml" from env CLEARML__APISERVER__LOG_FORMAT)');
  });

  it('prints usage for anything else', () => {
    expect(run(['explain']).code).toBe(2);
    expect(run(['frobnicate']).text).toMatch(/^usage: config dump/);
  });
});
