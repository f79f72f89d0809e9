import { PasswordPolicy } from '@warden/identity';
import { CLEARML_AUTH_DEFAULTS, clearmlAuthSchema } from './auth-settings';
import { fixedUserPolicyWarnings } from './fixed-user-warnings';

const users = [
  { username: 'ada', password: 'correct horse battery staple 42' },
  { username: 'jane', password: '12345678' },
  { username: 'john', password: 'john-is-the-best' },
];
const settings = (fixed: object) => clearmlAuthSchema.parse({ ...CLEARML_AUTH_DEFAULTS, fixed_users: { enabled: true, pass_hashed: false, users, ...fixed } });

describe('fixed user password warnings', () => {
  const policy = new PasswordPolicy();

  it('names each fixed user whose plain password breaks the policy, and the rule, never the password', async () => {
    const warnings = await fixedUserPolicyWarnings(settings({}), policy);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^fixed user jane: .*at least 12 characters/);
    expect(warnings[1]).toMatch(/^fixed user john: .*must not contain the username/);
    for (const user of users) expect(warnings.join('\n')).not.toContain(user.password);
  });

  it('says nothing when fixed users are off or their passwords are hashed', async () => {
    expect(await fixedUserPolicyWarnings(settings({ enabled: false }), policy)).toEqual([]);
    expect(await fixedUserPolicyWarnings(settings({ pass_hashed: true }), policy)).toEqual([]);
  });
});
