import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSecretsCommand } from './secrets-command';

describe('secrets generate command', () => {
  it.each([
    [[], /^CLEARML__SECURE__HTTP__SESSION_SECRET__APISERVER=[A-Za-z0-9][\w-]{49,59}$/m],
    [['--format', 'compose'], /^# deploy\/compose\/\.env: [^\n]*\n(#[^\n]*\n)*CLEARML__SECURE__HTTP__SESSION_SECRET__APISERVER=[\w-]{50,60}\n/],
    [['--format', 'helm'], /^authGateway:\n {2}extraEnvs:/],
  ])('prints fresh values (%j)', (flags, shape) => {
    const out: string[] = [];
    expect(runSecretsCommand(['generate', ...flags], (t) => out.push(t))).toBe(0);
    expect(out.join('\n')).toMatch(shape);
  });

  it('prints usage and exits 2 for an unknown format or verb', () => {
    const out: string[] = [];
    expect(runSecretsCommand(['generate', '--format', 'yaml'], (t) => out.push(t))).toBe(2);
    expect(runSecretsCommand(['rotate'], (t) => out.push(t))).toBe(2);
    expect(out[0]).toMatch(/^usage: secrets generate/);
  });

  describe('--out', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'warden-secrets-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('writes a new file readable by its owner only, and prints no secret', () => {
      const out: string[] = [];
      const path = join(dir, '.env');
      expect(runSecretsCommand(['generate', '--format', 'compose', '--out', path], (t) => out.push(t))).toBe(0);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readFileSync(path, 'utf8')).toMatch(/^CLEARML__SECURE__AUTH__TOKEN_SECRET=[\w-]{50,60}$/m);
      expect(out).toEqual([`wrote ${path} (mode 600)`]);
    });

    it('keeps an existing file: replacing secrets would invalidate every stored API credential', () => {
      const out: string[] = [];
      const path = join(dir, '.env');
      writeFileSync(path, 'KEEP=1\n');
      expect(runSecretsCommand(['generate', '--format', 'compose', '--out', path], (t) => out.push(t))).toBe(1);
      expect(readFileSync(path, 'utf8')).toBe('KEEP=1\n');
      expect(out[0]).toMatch(/exists: kept as it is/);
      expect(runSecretsCommand(['generate', '--out'], (t) => out.push(t))).toBe(2);
    });
  });
});
