import { writeFileSync } from 'node:fs';
import { formatSecrets, generateSecretSet, type SecretFormat } from './generate';

const FORMATS: readonly SecretFormat[] = ['env', 'compose', 'helm'];

export const SECRETS_USAGE = `usage: secrets generate [--format env|compose|helm] [--out FILE]
  Prints a fresh set of keys (30 chars) and secrets (50-60 chars) for every Warden secret setting.
  env: .env lines; compose: deploy/compose/.env for docker compose; helm: extraEnvs values per service.
  --out FILE writes it to a new file readable by its owner only (an existing file is kept).`;

function optionValue(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

/** Writes with mode 600, never over an existing file: replacing a deployment's secrets is not a redo. */
function writeNew(path: string, text: string, out: (text: string) => void): number {
  try {
    writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    out(code === 'EEXIST' ? `${path} exists: kept as it is (move it away first to replace the secrets it holds)` : `cannot write ${path}: ${code}`);
    return 1;
  }
  out(`wrote ${path} (mode 600)`);
  return 0;
}

/** The operator's generator; returns the exit code. */
export function runSecretsCommand(args: readonly string[], out: (text: string) => void): number {
  const [verb, ...rest] = args;
  const format = (optionValue(rest, '--format') ?? 'env') as SecretFormat;
  const path = optionValue(rest, '--out');
  if (verb !== 'generate' || !FORMATS.includes(format) || (rest.includes('--out') && !path)) {
    out(SECRETS_USAGE);
    return 2;
  }
  const text = formatSecrets(generateSecretSet(), format);
  if (path) return writeNew(path, text, out);
  out(text.trimEnd());
  return 0;
}
