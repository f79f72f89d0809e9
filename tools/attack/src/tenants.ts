import { randomBytes } from 'node:crypto';
import { basic, bearer, call, dataOf, send } from './http';
import { rememberSecret, rememberToken } from './leaks';
import type { Stack } from './stack';

export interface Member {
  id: string;
  username: string;
  password: string;
  accessKey: string;
  secretKey: string;
  /** A token from an API-key login. */
  token: string;
}

export interface Tenant {
  label: string;
  company: string;
  /** How the tenant was founded (operator door or system identity). */
  foundedBy: string;
  admin: Member;
  user: Member;
}

export const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');
// Long and random: whatever password policy the gateway applies, these pass it.
export const newPassword = () => `Atk-${randomBytes(18).toString('base64url')}`;

/** auth.login with Basic credentials at the gateway; the token, or throws. */
export async function login(stack: Stack, id: string, secret: string, via = stack.gateway): Promise<string> {
  const data = await dataOf<{ token: string }>(send(via, { path: '/auth.login', headers: basic(id, secret) }), `login as ${id}`);
  return rememberToken(data.token);
}

export const OPERATOR_SECRET_VAR = 'CLEARML__SECURE__AUTH__OPERATOR_SECRET';

/**
 * Founds a tenant and its first admin, the operator's way: POST /operator/tenants on the gateway
 * with the operator secret (issue 10). A gateway without that door (older main) is set up the way
 * it was: the apiserver's system credentials log in and auth.create_user names a new company.
 * This is the one place that knows how tenants are founded.
 */
async function foundTenant(stack: Stack, label: string): Promise<{ company: string; username: string; password: string; how: string }> {
  const username = `attack-${label.toLowerCase()}-admin-${randomHex(4)}`;
  const password = newPassword();
  rememberSecret(`tenant ${label} admin password`, password);
  const companyName = `attack tenant ${label}`;
  const door = await send(stack.gateway, {
    path: '/operator/tenants',
    body: { company_name: companyName, admin: { username, name: `Admin ${label}`, password } },
    headers: bearer(stack.secrets[OPERATOR_SECRET_VAR]),
  });
  if (door.status === 201) return { company: String((door.json as { company?: { id?: string } }).company?.id), username, password, how: 'operator door' };
  if (door.code !== 'ERR_ENDPOINT_UNKNOWN')
    throw new Error(`founding tenant ${label}: the operator door answered ${door.status} ${door.code ?? door.error ?? ''}`);
  const system = await login(
    stack,
    stack.secrets['CLEARML__SECURE__CREDENTIALS__APISERVER__USER_KEY'],
    stack.secrets['CLEARML__SECURE__CREDENTIALS__APISERVER__USER_SECRET'],
  );
  const company = randomHex(16);
  await dataOf(
    call(stack.gateway, 'auth.create_user', system, { company, company_name: companyName, username, name: `Admin ${label}`, password, role: 'admin' }),
    `founding tenant ${label}`,
  );
  return { company, username, password, how: 'system identity (no operator door)' };
}

/** Logs in with a password, creates API credentials and logs in with them. */
async function memberFrom(stack: Stack, id: string, username: string, password: string, label: string): Promise<Member> {
  const web = await login(stack, username, password);
  const { credentials } = await dataOf<{ credentials: { access_key: string; secret_key: string } }>(
    call(stack.gateway, 'auth.create_credentials', web, { label }),
    `credentials for ${username}`,
  );
  rememberSecret(`${label} secret key`, credentials.secret_key);
  const token = await login(stack, credentials.access_key, credentials.secret_key);
  return { id, username, password, accessKey: credentials.access_key, secretKey: credentials.secret_key, token };
}

/** A new member of the admin's company, created by the admin through auth.create_user. */
export async function addMember(stack: Stack, admin: Member, label: string, role: 'user' | 'admin' = 'user'): Promise<Member> {
  const username = `attack-${label.toLowerCase().replace(/\W+/g, '-')}-${randomHex(4)}`;
  const password = newPassword();
  rememberSecret(`${label} password`, password);
  const { id } = await dataOf<{ id: string }>(
    call(stack.gateway, 'auth.create_user', admin.token, { username, name: label, password, role }),
    `creating ${label}`,
  );
  return memberFrom(stack, id, username, password, label);
}

export async function setUpTenant(stack: Stack, label: string): Promise<Tenant> {
  const founded = await foundTenant(stack, label);
  stack.companies.push(founded.company);
  const web = await login(stack, founded.username, founded.password);
  const current = await dataOf<{ user: { id: string } }>(call(stack.gateway, 'users.get_current_user', web), `tenant ${label} admin`);
  const admin = await memberFrom(stack, current.user.id, founded.username, founded.password, `tenant ${label} admin`);
  const user = await addMember(stack, admin, `tenant ${label} user`);
  return { label, company: founded.company, foundedBy: founded.how, admin, user };
}
