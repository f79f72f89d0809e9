// Token lifecycle: logout (and the renewed tokens of the same login), disable and re-enable, key
// revocation, password change and admin reset, then the private Redis restarted empty: every token
// revoked before must still be refused by the apiserver and the fileserver, within 2 s of Redis
// answering again.
import { setTimeout as delay } from 'node:timers/promises';
import { basic, bearer, call, dataOf, send, type Answer } from '../http';
import { rememberSecret, rememberToken } from '../leaks';
import type { Expect } from '../report';
import { addMember, login, newPassword, type Member } from '../tenants';
import type { World } from '../world';

const REVOKED: Expect = { status: 401, code: 'ERR_JWT_REVOKED' };
// Revocations reach the verifiers through Redis "within about a second".
const PROPAGATION_MS = 2000;
// Issue 10 (1): refused at both services within 2 s of Redis returning.
const AFTER_RESTART_MS = 2000;
const AFTER_RESTART_GIVE_UP_MS = 6000;
/**
 * How long a verifier may go on with the revocation list it has while Redis is away (the suite sets
 * it, 30 s by default); after that it cannot know what was revoked and refuses with 503.
 */
export const REVOCATION_STALENESS_SEC = 2;
// auth_gateway.tokens.max_session_lifetime_sec's default (ClearML's default token lifetime).
const MAX_SESSION_LIFETIME_SEC = 2_592_000;

async function renew(w: World, token: string): Promise<Answer> {
  return call(w.stack.api, 'auth.login', token);
}

async function renewed(w: World, token: string): Promise<string> {
  const data = await dataOf<{ token: string }>(renew(w, token), 'renewing a token');
  return rememberToken(data.token);
}

const accepted = (a: Answer) => a.status >= 200 && a.status < 300;
const isRevoked = (a: Answer) => a.status === REVOKED.status && a.code === REVOKED.code;

/** Polls until `done` holds for the answer (by default: it is not an acceptance) or the time is up. */
async function settle(attempt: () => Promise<Answer>, withinMs: number, done = (a: Answer) => !accepted(a)): Promise<Answer> {
  const started = Date.now();
  let answer = await attempt();
  while (!done(answer) && Date.now() - started < withinMs) {
    await delay(100);
    answer = await attempt();
  }
  return answer;
}

const atApi = (w: World, token: string) => () => call(w.stack.api, 'projects.get_all', token);
const atFiles = (w: World, token: string) => () => send(w.stack.files, { method: 'GET', path: `/${w.objectsA.file}`, headers: bearer(token) });

/** A token that must be refused at both services (waiting for the revocation to propagate). */
async function refusedEverywhere(w: World, name: string, token: string): Promise<void> {
  w.report.answer(`${name} at the apiserver`, REVOKED, await settle(atApi(w, token), PROPAGATION_MS));
  w.report.answer(`${name} at the fileserver`, REVOKED, await settle(atFiles(w, token), PROPAGATION_MS));
}

interface Revoked {
  name: string;
  token: string;
}

async function logoutFamily(w: World, revoked: Revoked[]): Promise<void> {
  const victim = await addMember(w.stack, w.a.admin, 'logout victim');
  const first = victim.token;
  const second = await renewed(w, first);
  const third = await renewed(w, second);
  await dataOf(call(w.stack.api, 'auth.logout', first), 'auth.logout');
  await refusedEverywhere(w, 'logged-out token', first);
  await refusedEverywhere(w, 'renewed token of a logged-out login', second);
  await refusedEverywhere(w, 'twice-renewed token of a logged-out login', third);
  w.report.answer('renewing a logged-out token', REVOKED, await renew(w, first));
  w.report.answer('renewing a renewed token after logout', REVOKED, await renew(w, third));
  revoked.push({ name: 'logged-out token', token: first }, { name: 'renewed token of a logged-out login', token: second });

  // Logging out a renewed token ends the token it was renewed from, too.
  const other = await addMember(w.stack, w.a.admin, 'logout victim 2');
  const renewal = await renewed(w, other.token);
  await dataOf(call(w.stack.gateway, 'auth.logout', renewal), 'auth.logout of a renewal');
  await refusedEverywhere(w, 'original token after its renewal logged out', other.token);
}

async function disableEnable(w: World, revoked: Revoked[]): Promise<Member> {
  const victim = await addMember(w.stack, w.a.admin, 'disable victim');
  const before = victim.token;
  await dataOf(call(w.stack.gateway, 'auth.edit_user', w.a.admin.token, { user: victim.id, enabled: false }), 'disabling a user');
  await refusedEverywhere(w, 'token of a disabled user', before);
  const disabled: Expect = { status: 401, code: 'ERR_USER_DISABLED' };
  w.report.answer(
    'disabled user: API-key login',
    disabled,
    await send(w.stack.api, { path: '/auth.login', headers: basic(victim.accessKey, victim.secretKey) }),
  );
  w.report.answer(
    'disabled user: password login',
    disabled,
    await send(w.stack.api, { path: '/auth.login', headers: basic(victim.username, victim.password) }),
  );
  w.report.answer('disabled user: renewing its token', REVOKED, await renew(w, before));
  await dataOf(call(w.stack.gateway, 'auth.edit_user', w.a.admin.token, { user: victim.id, enabled: true }), 're-enabling a user');
  // Issue 10 (3): a disable invalidates every token issued before it, for good.
  await delay(1500);
  await refusedEverywhere(w, 'pre-disable token after re-enable', before);
  const fresh = await send(w.stack.api, { path: '/auth.login', headers: basic(victim.accessKey, victim.secretKey) });
  w.report.answer('re-enabled user: new login (control)', { status: 200 }, fresh);
  revoked.push({ name: 'pre-disable token of a re-enabled user', token: before });

  const kept = await addMember(w.stack, w.a.admin, 'still disabled');
  await dataOf(call(w.stack.gateway, 'auth.edit_user', w.a.admin.token, { user: kept.id, enabled: false }), 'disabling a user');
  await refusedEverywhere(w, 'token of a user kept disabled', kept.token);
  revoked.push({ name: 'token of a user kept disabled', token: kept.token });
  return kept;
}

async function keyRevoke(w: World, revoked: Revoked[]): Promise<Member> {
  const victim = await addMember(w.stack, w.a.admin, 'revoked key');
  await dataOf(call(w.stack.gateway, 'auth.revoke_credentials', w.a.admin.token, { access_key: victim.accessKey }), 'revoking a key');
  await refusedEverywhere(w, 'token of a revoked key', victim.token);
  w.report.answer(
    'login with a revoked key',
    { status: 401, code: 'ERR_CREDENTIALS_REVOKED' },
    await send(w.stack.api, { path: '/auth.login', headers: basic(victim.accessKey, victim.secretKey) }),
  );
  w.report.answer('renewing the token of a revoked key', REVOKED, await renew(w, victim.token));
  revoked.push({ name: 'token of a revoked key', token: victim.token });
  return victim;
}

/** A login's tokens, renewals included, live no longer than the family cap, whatever is asked. */
async function lifetimes(w: World): Promise<void> {
  const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8') || '{}') as { iat?: number; exp?: number };
  const longest = { expiration_sec: 10_000_000_000 };
  const first = await send(w.stack.api, { path: '/auth.login', body: longest, headers: basic(w.a.user.accessKey, w.a.user.secretKey) });
  const token = String((first.json?.data as { token?: string } | undefined)?.token ?? '');
  const start = claims(rememberToken(token)).iat ?? 0;
  const life = (t: string) => (claims(t).exp ?? Infinity) - start;
  w.report.effect(
    'login asking for a 300-year token',
    `200, lives at most ${MAX_SESSION_LIFETIME_SEC} s`,
    `${first.status}, lives ${life(token)} s`,
    first.status === 200 && life(token) <= MAX_SESSION_LIFETIME_SEC,
  );
  // A second later: a renewal capped only by its own issue time would end after the login's cap.
  await delay(1100);
  const again = await renew(w, token);
  const renewal = String((again.json?.data as { token?: string } | undefined)?.token ?? '');
  if (renewal) rememberToken(renewal);
  w.report.effect(
    'renewal asking for a 300-year token',
    `200, ends at most ${MAX_SESSION_LIFETIME_SEC} s after the login`,
    `${again.status}, ends ${life(renewal)} s after the login`,
    again.status === 200 && life(renewal) <= MAX_SESSION_LIFETIME_SEC,
  );
  w.report.answer(
    'login asking for a 0-second token',
    { status: 400, code: 'ERR_BAD_REQUEST' },
    await send(w.stack.api, { path: '/auth.login', body: { expiration_sec: 0 }, headers: basic(w.a.user.accessKey, w.a.user.secretKey) }),
  );
  w.report.answer(
    'login asking for expiration_sec "1e12"',
    { status: 400, code: 'ERR_BAD_REQUEST' },
    await send(w.stack.api, { path: '/auth.login', body: { expiration_sec: '1e12' }, headers: basic(w.a.user.accessKey, w.a.user.secretKey) }),
  );
}

async function passwordChange(w: World, revoked: Revoked[]): Promise<void> {
  const victim = await addMember(w.stack, w.a.admin, 'password changer');
  const web = await login(w.stack, victim.username, victim.password);
  const changed = newPassword();
  rememberSecret('a changed password', changed);
  w.report.answer(
    'auth.change_password with a wrong old password',
    { status: 400, code: 'ERR_INVALID_OLD_PASSWORD' },
    await call(w.stack.api, 'auth.change_password', web, { old_password: `${victim.password}x`, new_password: changed }),
  );
  const answer = await dataOf<{ token?: string }>(
    call(w.stack.api, 'auth.change_password', web, { old_password: victim.password, new_password: changed }),
    'changing a password',
  );
  if (answer.token) rememberToken(answer.token);
  await refusedEverywhere(w, 'password-login token after a password change', web);
  await refusedEverywhere(w, 'API-key token after a password change', victim.token);
  w.report.answer(
    'the old password after a change',
    { status: 401, code: 'ERR_INVALID_CREDENTIALS' },
    await send(w.stack.api, { path: '/auth.login', headers: basic(victim.username, victim.password) }),
  );
  revoked.push({ name: 'token ended by a password change', token: web });
}

async function passwordReset(w: World, revoked: Revoked[]): Promise<void> {
  const victim = await addMember(w.stack, w.a.admin, 'reset victim');
  const temporary = newPassword();
  rememberSecret('a temporary password', temporary);
  await dataOf(call(w.stack.gateway, 'auth.reset_password', w.a.admin.token, { user: victim.id, new_password: temporary }), 'resetting a password');
  await refusedEverywhere(w, 'token from before an admin reset', victim.token);
  revoked.push({ name: 'token from before an admin reset', token: victim.token });
  // The next password login only lets the user change its password.
  const pending = await login(w.stack, victim.username, temporary);
  const change: Expect = { status: 403, code: 'ERR_PASSWORD_CHANGE_REQUIRED' };
  w.report.answer('reset-pending token at the apiserver', change, await atApi(w, pending)());
  w.report.answer('reset-pending token at the fileserver', change, await atFiles(w, pending)());
  w.report.answer('reset-pending token creates API credentials', change, await call(w.stack.gateway, 'auth.create_credentials', pending));
  w.report.answer('reset-pending token renews itself', change, await renew(w, pending));
  w.report.answer('reset-pending token reads its own user (allowed)', { status: 200 }, await call(w.stack.gateway, 'users.get_current_user', pending));
}

async function redisRestart(w: World, revoked: Revoked[], disabled: Member, revokedKey: Member): Promise<void> {
  await w.stack.redisStop();
  // Logins are limited in Redis; without it they stop rather than go unlimited.
  const down = Date.now();
  const unavailable: Expect = { status: 503, code: 'ERR_SERVICE_UNAVAILABLE' };
  w.report.answer(
    'login while Redis is down',
    unavailable,
    await send(w.stack.gateway, { path: '/auth.login', headers: basic(w.a.user.accessKey, w.a.user.secretKey) }),
  );
  // Issue 10 (1): past the staleness bound a verifier fails closed, even for a live token.
  await delay(Math.max(0, REVOCATION_STALENESS_SEC * 1000 + 1000 - (Date.now() - down)));
  w.report.answer(`live token at the apiserver, Redis down over ${REVOCATION_STALENESS_SEC} s`, unavailable, await atApi(w, w.a.user.token)());
  w.report.answer(`live token at the fileserver, Redis down over ${REVOCATION_STALENESS_SEC} s`, unavailable, await atFiles(w, w.a.user.token)());
  await w.stack.redisStart();
  const back = Date.now();
  for (const r of revoked) {
    for (const [where, attempt] of [
      ['apiserver', atApi(w, r.token)],
      ['fileserver', atFiles(w, r.token)],
    ] as const) {
      const left = AFTER_RESTART_GIVE_UP_MS - (Date.now() - back);
      const answer = await settle(attempt, Math.max(left, 0), isRevoked);
      const sinceBack = Date.now() - back;
      const refused = isRevoked(answer);
      const actual = `${answer.status} ${answer.code ?? ''} ${sinceBack} ms after Redis returned`;
      // Accepted at all after the restart is a bypass; refused but late only misses the 2 s target.
      w.report.effect(
        `after Redis restart, ${where}: ${r.name}`,
        `${REVOKED.status} ${REVOKED.code} within ${AFTER_RESTART_MS} ms`,
        actual,
        refused && sinceBack <= AFTER_RESTART_MS,
        accepted(answer),
      );
    }
  }
  for (const [where, attempt] of [
    ['apiserver', atApi(w, w.a.user.token)],
    ['fileserver', atFiles(w, w.a.user.token)],
  ] as const) {
    const live = await settle(attempt, AFTER_RESTART_GIVE_UP_MS, accepted);
    w.report.answer(`after Redis restart: a live token works again at the ${where} (control)`, { status: 200 }, live);
  }
  w.report.answer(
    'after Redis restart: disabled user logs in',
    { status: 401, code: 'ERR_USER_DISABLED' },
    await send(w.stack.api, { path: '/auth.login', headers: basic(disabled.username, disabled.password) }),
  );
  w.report.answer(
    'after Redis restart: revoked key logs in',
    { status: 401, code: 'ERR_CREDENTIALS_REVOKED' },
    await send(w.stack.api, { path: '/auth.login', headers: basic(revokedKey.accessKey, revokedKey.secretKey) }),
  );
}

export async function lifecycleAttacks(w: World): Promise<void> {
  w.report.section('lifecycle');
  const revoked: Revoked[] = [];
  await lifetimes(w);
  await logoutFamily(w, revoked);
  const disabled = await disableEnable(w, revoked);
  const revokedKey = await keyRevoke(w, revoked);
  await passwordChange(w, revoked);
  await passwordReset(w, revoked);
  await redisRestart(w, revoked, disabled, revokedKey);
}
