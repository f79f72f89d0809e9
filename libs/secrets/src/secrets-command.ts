import { formatSecrets, generateSecretSet, type SecretFormat } from './generate';

const FORMATS: readonly SecretFormat[] = ['env', 'compose', 'helm'];

export const SECRETS_USAGE = `usage: secrets generate [--format env|compose|helm]
  Prints a fresh set of keys (30 chars) and secrets (50-60 chars) for every Warden secret setting.
  env: .env lines; compose: a docker-compose environment: block; helm: extraEnvs values per service.`;

/** The operator's generator; returns the exit code. */
export function runSecretsCommand(args: readonly string[], out: (text: string) => void): number {
  const [verb, ...rest] = args;
  const formatIndex = rest.indexOf('--format');
  const format = (formatIndex >= 0 ? rest[formatIndex + 1] : 'env') as SecretFormat;
  if (verb !== 'generate' || !FORMATS.includes(format)) {
    out(SECRETS_USAGE);
    return 2;
  }
  out(formatSecrets(generateSecretSet(), format).trimEnd());
  return 0;
}
