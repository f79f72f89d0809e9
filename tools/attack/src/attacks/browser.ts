// CSRF: cookie-authenticated writes without, or with a wrong, X-CSRF-Token, at every service.
// CORS: foreign origins get no grant (preflight or simple request), whatever they send.
import { basic, bearer, send, type Answer, type Call } from '../http';
import { rememberToken } from '../leaks';
import type { Expect } from '../report';
import { multipart, type World } from '../world';

const CSRF: Expect = { status: 403, code: 'ERR_CSRF' };
const OK: Expect = { status: 200 };
const AUTH_COOKIE = 'clearml_token_basic';
const CSRF_COOKIE = 'warden_csrf';

interface WebSession {
  cookie: string;
  csrf: string;
}

/** A web login by password at the gateway; the browser's cookies. */
async function webLogin(w: World, username: string, password: string): Promise<WebSession> {
  const answer = await send(w.stack.gateway, { path: '/auth.login', headers: basic(username, password) });
  const cookies = Object.fromEntries(
    ([] as string[]).concat(answer.headers['set-cookie'] ?? []).map((c) => {
      const [pair] = c.split(';');
      const at = pair.indexOf('=');
      return [pair.slice(0, at), decodeURIComponent(pair.slice(at + 1))];
    }),
  );
  if (answer.status !== 200 || !cookies[AUTH_COOKIE] || !cookies[CSRF_COOKIE]) throw new Error(`web login answered ${answer.status} without both cookies`);
  rememberToken(cookies[AUTH_COOKIE]);
  return { cookie: `${AUTH_COOKIE}=${cookies[AUTH_COOKIE]}; ${CSRF_COOKIE}=${cookies[CSRF_COOKIE]}`, csrf: cookies[CSRF_COOKIE] };
}

export async function csrfAttacks(w: World): Promise<void> {
  w.report.section('csrf');
  const { stack, report } = w;
  const session = await webLogin(w, w.a.user.username, w.a.user.password);
  const other = await webLogin(w, w.b.user.username, w.b.user.password);
  const byCookie = (base: string, c: Call, csrf?: string) =>
    send(base, { ...c, headers: { ...c.headers, Cookie: session.cookie, ...(csrf !== undefined && { 'X-CSRF-Token': csrf }) } });
  const api = (endpoint: string, data: object, csrf?: string) => byCookie(stack.api, { path: `/${endpoint}`, body: data }, csrf);
  const newProject = () => ({ name: `csrf-${Date.now()}-${Math.random().toString(16).slice(2, 8)}` });

  report.answer('apiserver projects.create, no header', CSRF, await api('projects.create', newProject()));
  report.answer('apiserver projects.create, wrong header', CSRF, await api('projects.create', newProject(), 'x'.repeat(session.csrf.length)));
  report.answer('apiserver projects.create, empty header', CSRF, await api('projects.create', newProject(), ''));
  report.answer("apiserver projects.create, another session's CSRF token", CSRF, await api('projects.create', newProject(), other.csrf));
  report.answer(
    'apiserver projects.create as GET with a query',
    CSRF,
    await byCookie(stack.api, { method: 'GET', path: `/projects.create?name=${newProject().name}` }),
  );
  report.answer('apiserver tasks.edit, no header', CSRF, await api('tasks.edit', { task: w.objectsA.task, comment: 'csrf' }));
  report.answer('apiserver tasks.ping, no header', CSRF, await api('tasks.ping', { task: w.objectsA.task }));
  report.answer('apiserver tasks.delete, no header', CSRF, await api('tasks.delete', { task: w.objectsA.task, force: true }));
  report.answer(
    'apiserver events.add_batch, no header',
    CSRF,
    await byCookie(stack.api, {
      path: '/events.add_batch',
      body: JSON.stringify({ type: 'log', task: w.objectsA.task, msg: 'csrf' }),
      headers: { 'Content-Type': 'application/json-lines' },
    }),
  );
  report.answer('apiserver projects.get_all, no header (read: allowed)', OK, await api('projects.get_all', {}));
  report.answer('apiserver projects.create, right header (control)', OK, await api('projects.create', newProject(), session.csrf));

  const gateway = (endpoint: string, data: object, csrf?: string) => byCookie(stack.gateway, { path: `/${endpoint}`, body: data }, csrf);
  report.answer('gateway auth.create_credentials, no header', CSRF, await gateway('auth.create_credentials', {}));
  report.answer(
    'gateway auth.revoke_credentials, wrong header',
    CSRF,
    await gateway('auth.revoke_credentials', { access_key: w.a.user.accessKey }, other.csrf),
  );
  report.answer('gateway auth.login renewal, no header', CSRF, await gateway('auth.login', {}));
  report.answer('gateway auth.logout, no header', CSRF, await gateway('auth.logout', {}));
  report.answer('apiserver-forwarded auth.create_credentials, no header', CSRF, await api('auth.create_credentials', {}));
  report.answer('gateway users.get_current_user, no header (read: allowed)', OK, await gateway('users.get_current_user', {}));

  const files = stack.files;
  const form = multipart([{ name: 'csrf/x.txt', content: 'csrf' }]);
  report.answer('fileserver upload, no header', CSRF, await byCookie(files, { path: '/', body: form.body, headers: { 'Content-Type': form.type } }));
  report.answer(
    'fileserver upload, wrong header',
    CSRF,
    await byCookie(files, { path: '/', body: form.body, headers: { 'Content-Type': form.type } }, other.csrf),
  );
  report.answer('fileserver DELETE, no header', CSRF, await byCookie(files, { method: 'DELETE', path: `/${w.objectsA.file}` }));
  report.answer('fileserver delete_many, no header', CSRF, await byCookie(files, { path: '/delete_many', body: { files: [w.objectsA.file] } }));
  report.answer('fileserver GET, no header (read: allowed)', OK, await byCookie(files, { method: 'GET', path: `/${w.objectsA.file}` }));
}

const EVIL = 'https://evil.example';

/** No CORS grant: neither Access-Control-Allow-Origin nor -Credentials, and no 5xx. */
function noGrant(w: World, name: string, expected: Expect | undefined, a: Answer): void {
  const granted = a.headers['access-control-allow-origin'] !== undefined || a.headers['access-control-allow-credentials'] !== undefined;
  if (expected && !granted) return void w.report.answer(name, expected, a);
  const statusOk = a.status > 0 && a.status < 500;
  w.report.effect(
    name,
    `no CORS grant${expected ? ` (${expected.status})` : ''}`,
    granted ? `${a.status}, grants ${String(a.headers['access-control-allow-origin'])}` : `${a.status}, no grant`,
    !granted && statusOk,
    granted,
  );
}

export async function corsAttacks(w: World): Promise<void> {
  w.report.section('cors');
  const { stack } = w;
  const preflight = (origin: string) => ({
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type, x-csrf-token' },
  });
  const refused: Expect = { status: 403, code: 'ERR_ORIGIN_NOT_ALLOWED' };
  for (const origin of [EVIL, 'null', 'http://127.0.0.1.evil.example', `${stack.gateway}.evil.example`, stack.api]) {
    noGrant(w, `gateway preflight from ${origin}`, refused, await send(stack.gateway, { ...preflight(origin), path: '/auth.login' }));
  }
  noGrant(w, `apiserver preflight from ${EVIL}`, undefined, await send(stack.api, { ...preflight(EVIL), path: '/projects.create' }));
  noGrant(w, `fileserver preflight from ${EVIL}`, undefined, await send(stack.files, { ...preflight(EVIL), path: '/' }));
  const token = w.a.user.token;
  noGrant(
    w,
    `gateway credentialed read from ${EVIL}`,
    OK,
    await send(stack.gateway, { path: '/users.get_current_user', body: {}, headers: { Origin: EVIL, ...bearer(token) } }),
  );
  noGrant(
    w,
    `apiserver credentialed read from ${EVIL}`,
    OK,
    await send(stack.api, { path: '/projects.get_all', body: {}, headers: { Origin: EVIL, ...bearer(token) } }),
  );
  noGrant(
    w,
    `fileserver credentialed read from ${EVIL}`,
    OK,
    await send(stack.files, { method: 'GET', path: `/${w.objectsA.file}`, headers: { Origin: EVIL, ...bearer(token) } }),
  );
}
