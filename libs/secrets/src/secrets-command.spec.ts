import { runSecretsCommand } from './secrets-command';

describe('secrets generate command', () => {
  it.each([
    [[], /^CLEARML__SECURE__HTTP__SESSION_SECRET__APISERVER=[A-Za-z0-9][\w-]{49,59}$/m],
    [['--format', 'compose'], /^ {4}environment:\n {6}CLEARML__/],
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
});
