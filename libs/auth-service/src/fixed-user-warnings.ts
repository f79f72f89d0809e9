import type { PasswordPolicy } from '@warden/identity';
import type { ClearmlAuthSettings } from './auth-settings';

/**
 * Fixed users keep logging in with the password the operator configured (ClearML compatibility),
 * so a weak one is only warned about, by username and rule. Hashed passwords cannot be checked.
 */
export async function fixedUserPolicyWarnings(clearml: ClearmlAuthSettings, policy: PasswordPolicy): Promise<string[]> {
  const { enabled, pass_hashed: hashed, users } = clearml.fixed_users;
  if (!enabled || hashed) return [];
  const warnings: string[] = [];
  for (const user of users) {
    const broken = await policy.violation(user.password, user.username);
    if (broken) {
      warnings.push(
        `fixed user ${user.username}: the configured password breaks the password policy (${broken.message}); it still logs in, but set a stronger one in apiserver.auth.fixed_users`,
      );
    }
  }
  return warnings;
}
