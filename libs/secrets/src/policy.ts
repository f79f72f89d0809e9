import { createPrivateKey } from 'node:crypto';
import { isKnownDefault } from './known-defaults';
import { envVarFor, type SecretSetting } from './registry';

export const MIN_KEY_LENGTH = 30;
export const MIN_SECRET_LENGTH = 50;

export type SecretProblem = 'missing' | 'known-default' | 'too-short' | 'invalid-private-key';

export interface SecretFinding {
  setting: SecretSetting;
  problem: SecretProblem;
  /** Where the offending value came from (never the value itself). */
  source?: string;
}

export interface SecretValue {
  setting: SecretSetting;
  value: unknown;
  source?: string;
}

function problemOf(setting: SecretSetting, value: unknown): SecretProblem | undefined {
  if (value === undefined || value === null || value === '') return setting.required ? 'missing' : undefined;
  const text = String(value);
  if (setting.kind === 'private-key') return validPrivateKey(text) ? undefined : 'invalid-private-key';
  if (isKnownDefault(text)) return 'known-default';
  if (setting.kind === 'key' && text.length < MIN_KEY_LENGTH) return 'too-short';
  if (setting.kind === 'secret' && text.length < MIN_SECRET_LENGTH) return 'too-short';
  return undefined;
}

function validPrivateKey(pem: string): boolean {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType === 'ec') return key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
    return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
  } catch {
    return false;
  }
}

export function evaluateSecrets(values: readonly SecretValue[]): SecretFinding[] {
  return values.flatMap(({ setting, value, source }) => {
    const problem = problemOf(setting, value);
    return problem ? [{ setting, problem, source }] : [];
  });
}

const EXPLANATION: Record<SecretProblem, (s: SecretSetting) => string> = {
  missing: () => 'is not set',
  'known-default': () => 'is a publicly known default value',
  'too-short': (s) => `is shorter than ${s.kind === 'key' ? MIN_KEY_LENGTH : MIN_SECRET_LENGTH} characters`,
  'invalid-private-key': () => 'is not a PEM private key of type EC P-256 or RSA >= 2048 bits',
};

export const GENERATE_HINT = 'generate values with: npm run secrets -- generate (or: node dist/apps/<app>/main.js secrets generate)';

/** One line per finding, naming the key, the env var that sets it and what is wrong; never the value. */
export function describeFindings(findings: readonly SecretFinding[]): string[] {
  return findings.map(({ setting, problem, source }) => {
    const from = source ? `, set by ${source}` : '';
    return `${setting.path} ${EXPLANATION[problem](setting)} (${setting.purpose}; set ${envVarFor(setting.path)} or ${envVarFor(setting.path)}_FILE${from})`;
  });
}
