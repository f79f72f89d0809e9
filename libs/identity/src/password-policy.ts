import { WardenError } from '@warden/errors';

export interface PasswordPolicySettings {
  /** Characters (code points); at least MIN_POLICY_LENGTH. */
  min_length: number;
  /** Bounds the work a single login or change can ask the hash for. */
  max_length: number;
}

export type PasswordRule = 'min_length' | 'max_length' | 'username' | 'common';

export const DEFAULT_PASSWORD_POLICY: PasswordPolicySettings = { min_length: 12, max_length: 256 };
/** The shipped list holds nothing shorter, so a lower minimum would also silently skip it. */
export const MIN_POLICY_LENGTH = 8;
export const MAX_POLICY_LENGTH = 1024;
// Shorter usernames ("al") occur inside too many good passphrases to forbid them as substrings.
const MIN_USERNAME_TO_CONTAIN = 3;

let commonPasswords: Promise<ReadonlySet<string>> | undefined;

/** The shipped list (lower case), read on first use and shared by every policy in the process. */
function loadCommonPasswords(): Promise<ReadonlySet<string>> {
  commonPasswords ??= import('./data/common-passwords.json').then((list) => new Set(list.default));
  return commonPasswords;
}

/**
 * Length, username and common-password rules for passwords people choose. Messages name the rule
 * and never quote the password. Fixed users (configured by the operator) are not checked here.
 */
export class PasswordPolicy {
  readonly settings: PasswordPolicySettings;

  constructor(settings: PasswordPolicySettings = DEFAULT_PASSWORD_POLICY) {
    const { min_length: min, max_length: max } = settings;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < MIN_POLICY_LENGTH || max > MAX_POLICY_LENGTH || min > max) {
      throw new Error(`password policy lengths must be whole numbers with ${MIN_POLICY_LENGTH} <= min_length <= max_length <= ${MAX_POLICY_LENGTH}`);
    }
    this.settings = { ...settings };
  }

  /** The first rule the password breaks, or undefined when it passes. */
  async violation(password: string, username?: string): Promise<{ rule: PasswordRule; message: string } | undefined> {
    const { min_length: min, max_length: max } = this.settings;
    const length = [...password].length;
    if (length < min) return { rule: 'min_length', message: `password must be at least ${min} characters long` };
    if (length > max) return { rule: 'max_length', message: `password must be at most ${max} characters long` };
    const folded = password.toLowerCase();
    const name = username?.trim().toLowerCase();
    if (name && (folded === name || (name.length >= MIN_USERNAME_TO_CONTAIN && folded.includes(name)))) {
      return { rule: 'username', message: 'password must not contain the username' };
    }
    if ((await loadCommonPasswords()).has(folded)) return { rule: 'common', message: 'password is on the list of commonly used passwords' };
    return undefined;
  }

  /** Throws 400 ERR_PASSWORD_POLICY naming the broken rule (in the message and error_data.rule). */
  async assert(password: unknown, username?: string): Promise<string> {
    if (typeof password !== 'string') throw new WardenError('ERR_PASSWORD_POLICY', 'password must be a string', { rule: 'min_length' });
    const broken = await this.violation(password, username);
    if (broken) throw new WardenError('ERR_PASSWORD_POLICY', broken.message, { rule: broken.rule });
    return password;
  }
}
