export { SECRET_SETTINGS, envVarFor, findSecretSetting, isSecretPath, secretsUsedBy, type AppName, type SecretKind, type SecretSetting } from './registry';
export { isKnownDefault } from './known-defaults';
export {
  GENERATE_HINT,
  MIN_KEY_LENGTH,
  MIN_SECRET_LENGTH,
  describeFindings,
  evaluateSecrets,
  type SecretFinding,
  type SecretProblem,
  type SecretValue,
} from './policy';
export { REDACTED, SecretScrubber, redactTree, redactUrlCredentials } from './redact';
export { formatSecrets, generateKey, generateSecret, generateSecretSet, type GeneratedSecret, type SecretFormat } from './generate';
export { SECRETS_USAGE, runSecretsCommand } from './secrets-command';
export { SecretSealer } from './sealer';
