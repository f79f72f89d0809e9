// Mass assignment (company, user, id, role, status in create and edit bodies) and privilege
// escalation through auth.* and users.*: user to admin, admin to another tenant, service
// credentials founding admins or tenants, and the operator's tenant door without its secret.
import { basic, bearer, call, send, type Answer } from '../http';
import { rememberSecret } from '../leaks';
import type { Expect } from '../report';
import { OPERATOR_SECRET_VAR, randomHex } from '../tenants';
import type { World } from '../world';

const FORBIDDEN: Expect = { status: 403, code: 'ERR_FORBIDDEN' };
const FORCED_ID = 'f0rced0000000000000000000000000a';

type Doc = Record<string, unknown>;
const payloadOf = (token: string): Doc => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8') || '{}');
const dataOf = (a: Answer): Doc => (a.json?.data ?? {}) as Doc;

export async function massAssignment(w: World): Promise<void> {
  w.report.section('mass assignment');
  const { stack, report, a, b } = w;
  const token = a.user.token;
  const intruder = { company: b.company, user: b.user.id, id: FORCED_ID, _id: FORCED_ID };
  const owned = (doc: Doc | undefined) => !!doc && doc.company === a.company && doc.user === a.user.id && doc.id !== FORCED_ID;
  const describe = (doc: Doc | undefined) =>
    doc
      ? `id ${doc.id === FORCED_ID ? 'forced' : 'server-made'}, company ${doc.company === a.company ? 'A' : String(doc.company)}, user ${doc.user === a.user.id ? 'caller' : String(doc.user)}`
      : 'not readable';
  // Either the unknown fields are refused (and nothing is stored under the forced id), or the
  // object is stored as the caller's with the server's id and values.
  const check = async (name: string, created: Answer, read: (id: string) => Promise<Doc | undefined>, extra: (doc: Doc) => boolean = () => true) => {
    if (created.status !== 200) {
      const forced = await read(FORCED_ID);
      // ERR_BAD_REQUEST: a __proto__ key, refused by the HTTP kit before any endpoint reads the body.
      const refused = created.status === 400 && (created.code === 'ERR_UNKNOWN_FIELD' || created.code === 'ERR_BAD_REQUEST') && !forced;
      report.effect(
        name,
        '400 ERR_UNKNOWN_FIELD or ERR_BAD_REQUEST, nothing stored; or 200 stored as the caller',
        `${created.status} ${created.code ?? ''}${forced ? '; forced id stored' : ''}`,
        refused,
        !!forced,
      );
      return;
    }
    const doc = await read(String(dataOf(created).id ?? ''));
    report.effect(
      name,
      '400 ERR_UNKNOWN_FIELD or ERR_BAD_REQUEST, nothing stored; or 200 stored as the caller in A with a server-made id',
      describe(doc),
      owned(doc) && extra(doc!),
    );
  };
  const project = async (id: string) => dataOf(await call(stack.api, 'projects.get_by_id', token, { project: id })).project as Doc | undefined;
  const task = async (id: string) => dataOf(await call(stack.api, 'tasks.get_by_id', token, { task: id })).task as Doc | undefined;
  const model = async (id: string) => dataOf(await call(stack.api, 'models.get_by_id', token, { model: id })).model as Doc | undefined;

  await check(
    'projects.create with company, user and id',
    await call(stack.api, 'projects.create', token, { name: `mass-${randomHex(4)}`, ...intruder }),
    project,
  );
  await check(
    'tasks.create with company, user, id and status',
    await call(stack.api, 'tasks.create', token, { name: 'mass', type: 'training', ...intruder, status: 'published' }),
    task,
    (d) => d.status === 'created',
  );
  await check('models.create with company, user, id and ready', await call(stack.api, 'models.create', token, { name: 'mass', uri: 'x', ...intruder }), model);
  const proto = await call(
    stack.api,
    'tasks.create',
    token,
    JSON.parse('{"name":"proto","type":"training","__proto__":{"company":"x","role":"admin"},"constructor":{"prototype":{"role":"admin"}}}'),
  );
  await check('tasks.create with __proto__ and constructor keys', proto, task);

  for (const [endpoint, key, id, read] of [
    ['projects.update', 'project', w.objectsA.project, project],
    ['tasks.edit', 'task', w.objectsA.task, task],
    ['models.edit', 'model', w.objectsA.model, model],
  ] as const) {
    const edited = await call(stack.api, endpoint, token, { [key]: id, comment: 'mass', description: 'mass', ...intruder, status: 'completed' });
    const doc = await read(id);
    report.effect(
      `${endpoint} with company, user and id`,
      "the object stays A's, its id unchanged",
      `${edited.status} ${edited.code ?? ''}; ${describe(doc)}`,
      !!doc && doc.company === a.company && doc.user === a.user.id && doc.id === id && edited.status < 500,
    );
  }

  // Who a token names comes from the credentials only, never from the login body.
  const claimsNamed = (t: Doc) => (t.identity ?? {}) as Doc;
  const asIs = (answer: Answer) => {
    const identity = claimsNamed(payloadOf(String(dataOf(answer).token ?? '')));
    return {
      ok: answer.status === 200 && identity.company === a.company && identity.user === a.user.id && identity.role === 'user',
      actual: `${answer.status}: ${identity.role ?? '-'} in ${identity.company === a.company ? 'A' : String(identity.company ?? '-')}`,
    };
  };
  const forged = { company: b.company, role: 'admin', user: b.admin.id, identity: { role: 'admin', company: b.company } };
  const keyLogin = asIs(await send(stack.api, { path: '/auth.login', body: forged, headers: basic(a.user.accessKey, a.user.secretKey) }));
  report.effect('auth.login with company, role and user in the body', "200, A's user", keyLogin.actual, keyLogin.ok);
  const renewal = asIs(await call(stack.api, 'auth.login', token, forged));
  report.effect('token renewal with company, role and user in the body', "200, A's user", renewal.actual, renewal.ok);

  const created = await call(stack.gateway, 'auth.create_credentials', token, { user: a.admin.id, company: b.company, label: 'mass' });
  const creds = dataOf(created).credentials as { access_key?: string; secret_key?: string } | undefined;
  rememberSecret('mass-assigned credentials secret', creds?.secret_key);
  const credLogin = creds?.access_key
    ? asIs(await send(stack.gateway, { path: '/auth.login', headers: basic(creds.access_key, String(creds.secret_key)) }))
    : { ok: false, actual: `${created.status} ${created.code ?? ''}` };
  report.effect('auth.create_credentials for the admin of B', "keys log in as the caller (A's user)", credLogin.actual, credLogin.ok);

  const userBefore = await usersOf(w, a.admin.token);
  const edit = await call(stack.gateway, 'auth.edit_user', a.admin.token, { user: a.user.id, enabled: true, role: 'admin', company: b.company });
  const userAfter = (await usersOf(w, a.admin.token)).find((u) => u.id === a.user.id);
  report.effect(
    'auth.edit_user with role admin and company B',
    'the user stays a user of A',
    `${edit.status} ${edit.code ?? ''}; role ${String(userAfter?.role)}, company ${userAfter?.company === a.company ? 'A' : String(userAfter?.company)}`,
    userBefore.length > 0 && userAfter?.role === 'user' && userAfter.company === a.company,
  );
  report.answer(
    'auth.create_user with role system',
    { status: 400, code: 'ERR_BAD_REQUEST' },
    await call(stack.gateway, 'auth.create_user', a.admin.token, { username: `mass-${randomHex(4)}`, password: `Pw-${randomHex(16)}`, role: 'system' }),
  );
}

async function usersOf(w: World, token: string): Promise<Doc[]> {
  return (dataOf(await call(w.stack.api, 'users.get_all', token)).users ?? []) as Doc[];
}

export async function escalation(w: World): Promise<void> {
  w.report.section('privilege');
  const { stack, report, a, b } = w;
  const asUser = (endpoint: string, data: object) => call(stack.api, endpoint, a.user.token, data);
  const newUser = () => ({ username: `esc-${randomHex(4)}`, password: `Pw-${randomHex(16)}` });

  report.answer('user creates an admin', FORBIDDEN, await asUser('auth.create_user', { ...newUser(), role: 'admin' }));
  report.answer('user creates a user', FORBIDDEN, await asUser('auth.create_user', newUser()));
  report.answer('user disables its admin', FORBIDDEN, await asUser('auth.edit_user', { user: a.admin.id, enabled: false }));
  report.answer('user re-enables itself', FORBIDDEN, await asUser('auth.edit_user', { user: a.user.id, enabled: true }));
  report.answer("user lists its admin's keys", FORBIDDEN, await asUser('auth.get_credentials', { user: a.admin.id }));
  report.answer("user relabels its admin's key", FORBIDDEN, await asUser('auth.edit_credentials', { access_key: a.admin.accessKey, label: 'mine' }));
  report.answer("user revokes its admin's key", FORBIDDEN, await asUser('auth.revoke_credentials', { access_key: a.admin.accessKey }));
  // ClearML's users.* writes are not served: the gateway owns users and answers only get_*.
  report.answer(
    'user calls users.update with role admin',
    { status: 404, code: 'ERR_ENDPOINT_UNKNOWN' },
    await asUser('users.update', { user: a.user.id, role: 'admin' }),
  );
  report.answer(
    'user calls users.create in B',
    { status: 404, code: 'ERR_ENDPOINT_UNKNOWN' },
    await asUser('users.create', { name: 'x', company: b.company, role: 'admin' }),
  );
  report.answer("user resets its admin's password", FORBIDDEN, await asUser('auth.reset_password', { user: a.admin.id, new_password: `Pw-${randomHex(16)}` }));
  const asAdmin = (data: object) => call(stack.api, 'auth.create_user', a.admin.token, data);
  report.answer("admin creates an admin in B's company", FORBIDDEN, await asAdmin({ ...newUser(), role: 'admin', company: b.company }));
  report.answer('admin founds a new company', FORBIDDEN, await asAdmin({ ...newUser(), role: 'admin', company: randomHex(16), company_name: 'escalated' }));
  report.answer(
    "admin takes B's admin's username",
    { status: 409, code: 'ERR_USERNAME_TAKEN' },
    await asAdmin({ username: b.admin.username, password: `Pw-${randomHex(16)}` }),
  );
  report.answer(
    'admin creates a user with a common password',
    { status: 400, code: 'ERR_PASSWORD_POLICY' },
    await asAdmin({ username: `esc-${randomHex(4)}`, password: 'password1234' }),
  );
  report.answer(
    'admin disables itself',
    { status: 400, code: 'ERR_SELF_LOCKOUT' },
    await call(stack.api, 'auth.edit_user', a.admin.token, { user: a.admin.id, enabled: false }),
  );

  await serviceIdentities(w);
  await operatorDoor(w);
}

/** The services' own credentials: they may log in, but found nothing and act in no tenant. */
async function serviceIdentities(w: World): Promise<void> {
  const { stack, report, a } = w;
  for (const service of ['apiserver', 'fileserver']) {
    const key = stack.secrets[`CLEARML__SECURE__CREDENTIALS__${service.toUpperCase()}__USER_KEY`];
    const secret = stack.secrets[`CLEARML__SECURE__CREDENTIALS__${service.toUpperCase()}__USER_SECRET`];
    // Issue 10 (4): the fileserver holds none; nothing to try when it has none.
    if (!key || !secret) continue;
    const login = await send(stack.gateway, { path: '/auth.login', headers: basic(key, secret) });
    const token = String(dataOf(login).token ?? '');
    const attempt = async (name: string, endpoint: string, data: object) => {
      if (!token)
        return report.effect(
          `${service} identity: ${name}`,
          '403 ERR_FORBIDDEN (or no login)',
          `login refused: ${login.status} ${login.code ?? ''}`,
          login.status === 401,
        );
      return report.answer(`${service} identity: ${name}`, FORBIDDEN, await call(stack.gateway, endpoint, token, data));
    };
    await attempt('founds a tenant with an admin', 'auth.create_user', {
      company: randomHex(16),
      company_name: 'rogue',
      username: `rogue-${randomHex(4)}`,
      password: `Pw-${randomHex(16)}`,
      role: 'admin',
    });
    await attempt("creates an admin in A's company", 'auth.create_user', {
      company: a.company,
      username: `rogue-${randomHex(4)}`,
      password: `Pw-${randomHex(16)}`,
      role: 'admin',
    });
    await attempt("disables A's admin", 'auth.edit_user', { user: a.admin.id, enabled: false });
    if (!token) continue;
    report.answer(`${service} identity: reads projects`, FORBIDDEN, await call(stack.api, 'projects.get_all', token));
    report.answer(
      `${service} identity: reads a file`,
      FORBIDDEN,
      await send(stack.files, { method: 'GET', path: `/${w.objectsA.file}`, headers: bearer(token) }),
    );
  }
  for (const revoked of ['webserver', 'tests']) {
    const key = stack.secrets[`CLEARML__SECURE__CREDENTIALS__${revoked.toUpperCase()}__USER_KEY`];
    const secret = stack.secrets[`CLEARML__SECURE__CREDENTIALS__${revoked.toUpperCase()}__USER_SECRET`];
    if (key && secret)
      report.answer(
        `${revoked} credentials log in (revoked with web login on)`,
        { status: 401, code: 'ERR_CREDENTIALS_REVOKED' },
        await send(stack.gateway, { path: '/auth.login', headers: basic(key, secret) }),
      );
  }
}

/** POST /operator/tenants opens only with the operator secret, and only at the gateway. */
async function operatorDoor(w: World): Promise<void> {
  const { stack, report } = w;
  const body = { company_name: 'rogue', admin: { username: `rogue-${randomHex(4)}`, password: `Pw-${randomHex(16)}` } };
  const door = (base: string, headers: Record<string, string>) => send(base, { path: '/operator/tenants', body, headers });
  report.answer('operator door without a secret', { status: 401, code: 'ERR_UNAUTHORIZED' }, await door(stack.gateway, {}));
  report.answer(
    'operator door with a wrong secret',
    { status: 401, code: 'ERR_INVALID_CREDENTIALS' },
    await door(stack.gateway, bearer(`wrong-${randomHex(24)}`)),
  );
  report.answer("operator door with an admin's token", { status: 401, code: 'ERR_INVALID_CREDENTIALS' }, await door(stack.gateway, bearer(w.a.admin.token)));
  report.answer(
    'operator door through the apiserver',
    { status: 404, code: 'ERR_ENDPOINT_UNKNOWN' },
    await door(stack.api, bearer(stack.secrets[OPERATOR_SECRET_VAR] ?? 'none')),
  );
}
