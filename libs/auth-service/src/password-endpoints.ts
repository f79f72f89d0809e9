import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { WardenError } from '@warden/errors';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import type { UserRecord } from '@warden/identity';
import type { AuthService } from './auth-service';
import type { GatewayCaller } from './gateway-authenticator';
import type { LoginAnswer } from './login-answer';
import { optionalString, requiredString } from './request-fields';

export interface PasswordEndpointOptions {
  service: AuthService;
  answerLogin: LoginAnswer;
}

// 24 base64url characters (144 random bits) unless the policy wants other lengths.
const GENERATED_PASSWORD_LENGTH = 24;
const GENERATE_TRIES = 5;

const nowSec = () => Math.floor(Date.now() / 1000);

function callerIdentity(auth: GatewayCaller): TokenAuth['claims']['identity'] {
  if (!auth.token) throw new WardenError('ERR_UNAUTHORIZED');
  return auth.token.claims.identity;
}

// Only local users keep a password here: fixed users' come from the configuration, SSO and system users have none.
function assertLocal(user: UserRecord): void {
  if (user.source === 'fixed')
    throw new WardenError('ERR_BAD_REQUEST', "a fixed user's password is set in the server configuration (apiserver.auth.fixed_users)");
  if (user.source !== 'local') throw new WardenError('ERR_BAD_REQUEST', `${user.source} users have no password to set`);
}

/** auth.change_password for every local user, and auth.reset_password for an admin of the user's company. */
export function registerPasswordEndpoints(api: ClearmlApi<GatewayCaller>, options: PasswordEndpointOptions): void {
  const { service, answerLogin } = options;
  const { store, audit, limiter, revocations, clearml } = service.deps;

  // Ends every token of the user issued so far. The list refuses tokens issued up to the second it
  // was told, so this returns only once that second is over: a token issued afterwards survives.
  const signOutEverywhere = async (userId: string): Promise<void> => {
    await revocations.revokeUser(userId, nowSec() + clearml.max_expiration_sec);
    await delay((nowSec() + 1) * 1000 - Date.now());
  };

  // The old password is guessed against the same counters as logins, so a stolen token cannot
  // be used to try passwords faster than the login page allows.
  const proveOldPassword = async (user: UserRecord, oldPassword: string, clientIp: string): Promise<void> => {
    const password = { isKey: false };
    const admission = await limiter.admit(user.username, clientIp, password);
    if (admission.delayMs > 0) await delay(admission.delayMs);
    if (await store.verifyUserPassword(user.id, oldPassword)) {
      await limiter.recordSuccess(user.username, clientIp, password, admission);
      return;
    }
    await limiter.recordFailure(user.username, clientIp, password);
    audit.record({
      type: 'password.change',
      outcome: 'failure',
      user: user.id,
      company: user.company,
      client_ip: clientIp,
      reason: 'ERR_INVALID_OLD_PASSWORD',
    });
    throw new WardenError('ERR_INVALID_OLD_PASSWORD');
  };

  // Random, within the policy's lengths; drawn again in the unlikely case it holds the username.
  const generatePassword = async (username: string): Promise<string> => {
    const { min_length, max_length } = store.passwordPolicy.settings;
    const length = Math.min(max_length, Math.max(min_length, GENERATED_PASSWORD_LENGTH));
    for (let i = 0; i < GENERATE_TRIES; i++) {
      const password = randomBytes(length).toString('base64url').slice(0, length);
      if (!(await store.passwordPolicy.violation(password, username))) return password;
    }
    throw new WardenError('ERR_BAD_REQUEST', 'no password could be generated for this user: give new_password');
  };

  api.endpoint('auth.change_password', { auth: 'token' }, async ({ auth, data, req, res }) => {
    const identity = callerIdentity(auth);
    const oldPassword = requiredString(data, 'old_password');
    const newPassword = requiredString(data, 'new_password');
    const user = await store.getUser(identity.user);
    if (!user || user.company !== identity.company) throw new WardenError('ERR_INVALID_USER', 'the token names a user that does not exist');
    assertLocal(user);
    await proveOldPassword(user, oldPassword, req.ip ?? '');
    if (newPassword === oldPassword) throw new WardenError('ERR_PASSWORD_POLICY', 'the new password must differ from the current one', { rule: 'unchanged' });
    await store.setPassword(user.id, newPassword);
    await signOutEverywhere(user.id);
    const changed = await store.getUser(user.id);
    if (!changed) throw new WardenError('ERR_INVALID_USER', 'the user was deleted while its password changed');
    audit.record({ type: 'password.change', outcome: 'success', user: user.id, company: user.company, client_ip: req.ip });
    // The caller's own token was ended with the others; it goes on with a fresh one.
    return answerLogin(req, res, service.issue(changed, { method: 'password' }));
  });

  api.endpoint('auth.reset_password', { auth: 'token' }, async ({ auth, data, req }) => {
    const identity = callerIdentity(auth);
    if (identity.role !== 'admin') throw new WardenError('ERR_FORBIDDEN', 'only an admin resets passwords');
    const userId = requiredString(data, 'user');
    const given = optionalString(data, 'new_password');
    const target = await store.getUser(userId);
    // Another company's user is answered exactly like a missing one.
    if (!target || target.company !== identity.company) throw new WardenError('ERR_INVALID_USER', `user ${userId} not found`);
    // Changing one's own password must prove the old one: a stolen token alone must not be enough.
    if (target.id === identity.user) throw new WardenError('ERR_BAD_REQUEST', 'an admin changes its own password with auth.change_password');
    assertLocal(target);
    const password = given ?? (await generatePassword(target.username));
    await store.setPassword(target.id, password, { mustChange: true });
    await signOutEverywhere(target.id);
    audit.record({ type: 'password.reset', outcome: 'success', user: target.id, actor: identity.user, company: identity.company, client_ip: req.ip });
    // A generated password is shown this once; one the admin chose is never echoed.
    return given === undefined ? { updated: 1, password } : { updated: 1 };
  });
}
