import type { Request, Response } from 'express';
import { WardenError } from '@warden/errors';
import { clearAuthCookies, type ClearmlApi, type TokenAuth } from '@warden/http';
import type { CredentialRecord } from '@warden/identity';
import type { AuthService } from './auth-service';
import type { GatewayCaller } from './gateway-authenticator';
import { loginAnswer } from './login-answer';
import type { UsernameConflicts } from './username-conflicts';
import { optionalInt, optionalString, requiredString } from './request-fields';

// ClearML's ids: uuid4 hex without dashes.
const COMPANY_ID = /^[0-9a-f]{32}$/;

export interface AuthEndpointOptions {
  service: AuthService;
  /** Keys CSRF tokens (secure.http.session_secret.apiserver). */
  sessionSecret: string;
  usernameConflicts: UsernameConflicts;
}

function caller(auth: GatewayCaller): TokenAuth {
  if (!auth.token) throw new WardenError('ERR_UNAUTHORIZED');
  return auth.token;
}

function credentialView(c: CredentialRecord) {
  return { access_key: c.access_key, label: c.label ?? null, last_used: c.last_used ?? null, last_used_from: c.last_used_from ?? null, created: c.created, revoked: c.revoked ?? null };
}

/** ClearML's auth.* service on the gateway: logins, logout and API credentials. */
export function registerAuthEndpoints(api: ClearmlApi<GatewayCaller>, options: AuthEndpointOptions): void {
  const { service, sessionSecret, usernameConflicts } = options;
  const { store, audit, revocations, clearml } = service.deps;
  const cookieSettings = { name: clearml.session_auth_cookie_name, ...clearml.cookies };
  const answerLogin = loginAnswer(clearml, sessionSecret);

  api.endpoint('auth.login', { auth: 'login' }, async ({ auth, data, req, res }) => {
    const expirationSec = optionalInt(data, 'expiration_sec', 1);
    if (auth.token) return answerLogin(req, res, service.renew(auth.token.claims, expirationSec));
    if (!auth.basic) throw new WardenError('ERR_UNAUTHORIZED', 'missing credentials: send Authorization: Basic key:secret');
    const issued = await service.login({ ...auth.basic, clientIp: req.ip ?? '', expirationSec });
    return answerLogin(req, res, issued);
  });

  const logout = async ({ auth, req, res }: { auth: GatewayCaller; req: Request; res: Response }) => {
    const { claims } = caller(auth);
    await revocations.revokeSession(claims.session_id, claims.exp);
    clearAuthCookies(req, res, cookieSettings);
    audit.record({ type: 'logout', outcome: 'success', user: claims.identity.user, company: claims.identity.company, client_ip: req.ip });
    return {};
  };
  api.endpoint('auth.logout', { auth: 'token' }, logout);
  api.endpoint('login.logout', { auth: 'token' }, logout);

  api.endpoint('auth.create_credentials', { auth: 'token' }, async ({ auth, data, req }) => {
    const { identity } = caller(auth).claims;
    if (identity.role === 'system') throw new WardenError('ERR_FORBIDDEN', 'system identities cannot create credentials');
    const created = await store.createCredentials(identity.user, { label: optionalString(data, 'label') });
    audit.record({ type: 'credentials.create', outcome: 'success', user: identity.user, company: identity.company, access_key: created.access_key, client_ip: req.ip });
    return { credentials: { access_key: created.access_key, secret_key: created.secret_key, label: created.record.label ?? null } };
  });

  api.endpoint('auth.get_credentials', { auth: 'token' }, async ({ auth, data }) => {
    const { identity } = caller(auth).claims;
    const user = optionalString(data, 'user') ?? identity.user;
    if (user !== identity.user) await assertAdminOf(identity, user);
    const credentials = await store.listCredentials({ user, company: identity.company });
    return { credentials: credentials.filter((c) => !c.revoked).map(credentialView) };
  });

  // A caller manages its own credentials; an admin those of its company. Another company's key
  // is answered like a missing one, so keys cannot be probed across tenants.
  const ownedCredential = async (identity: TokenAuth['claims']['identity'], accessKey: string) => {
    const credential = await store.getCredential(accessKey);
    if (!credential || credential.company !== identity.company) throw new WardenError('ERR_INVALID_ACCESS_KEY', 'invalid user or invalid access key');
    if (credential.user !== identity.user && identity.role !== 'admin') throw new WardenError('ERR_FORBIDDEN', 'only an admin manages the credentials of other users');
    return credential;
  };

  api.endpoint('auth.edit_credentials', { auth: 'token' }, async ({ auth, data, req }) => {
    const { identity } = caller(auth).claims;
    const credential = await ownedCredential(identity, requiredString(data, 'access_key'));
    await store.editCredentials(credential.access_key, { label: optionalString(data, 'label') });
    audit.record({ type: 'credentials.edit', outcome: 'success', user: identity.user, company: identity.company, access_key: credential.access_key, client_ip: req.ip });
    return { updated: 1 };
  });

  api.endpoint('auth.revoke_credentials', { auth: 'token' }, async ({ auth, data, req }) => {
    const { identity } = caller(auth).claims;
    const credential = await ownedCredential(identity, requiredString(data, 'access_key'));
    await store.revokeCredentials(credential.access_key);
    // Tokens already issued under this key die with it, everywhere.
    await revocations.revokeCredential(credential.access_key, nowSec() + clearml.max_expiration_sec);
    audit.record({ type: 'credentials.revoke', outcome: 'success', user: identity.user, company: identity.company, access_key: credential.access_key, client_ip: req.ip });
    return { revoked: 1 };
  });

  api.endpoint('auth.create_user', { auth: 'token' }, async ({ auth, data, req }) => {
    const { identity } = caller(auth).claims;
    const company = await companyForNewUser(identity, data, req.ip);
    const role = optionalString(data, 'role') ?? 'user';
    if (role !== 'user' && role !== 'admin') throw new WardenError('ERR_BAD_REQUEST', 'role must be user or admin', { field: 'role' });
    const user = await usernameConflicts.guard(identity, { username: data['username'], clientIp: req.ip }, () => store.createUser({
      company,
      username: requiredString(data, 'username'),
      name: optionalString(data, 'name'),
      email: optionalString(data, 'email'),
      password: optionalString(data, 'password'),
      role,
      source: 'local',
    }));
    audit.record({ type: 'user.create', outcome: 'success', user: user.id, company, client_ip: req.ip });
    return { id: user.id };
  });

  // As in ClearML, create_user names the company. An admin adds users to its own company; only a
  // system identity (the operator's bootstrap) names another one, and founds it with company_name.
  async function companyForNewUser(identity: TokenAuth['claims']['identity'], data: Record<string, unknown>, clientIp: string | undefined): Promise<string> {
    const requested = optionalString(data, 'company');
    if (identity.role === 'admin') {
      if (requested !== undefined && requested !== identity.company) throw new WardenError('ERR_FORBIDDEN', 'an admin creates users in its own company only');
      return identity.company;
    }
    if (identity.role !== 'system') throw new WardenError('ERR_FORBIDDEN', 'only an admin creates users');
    const id = requiredString(data, 'company');
    if (!COMPANY_ID.test(id)) throw new WardenError('ERR_BAD_REQUEST', 'company must be a 32-character lowercase hex id', { field: 'company' });
    if (await store.getCompany(id)) return id;
    const name = optionalString(data, 'company_name');
    if (!name) throw new WardenError('ERR_BAD_REQUEST', `company ${id} does not exist: give company_name to create it`, { field: 'company_name' });
    await store.ensureCompany({ id, name });
    audit.record({ type: 'company.create', outcome: 'success', user: identity.user, company: id, client_ip: clientIp });
    return id;
  }

  api.endpoint('auth.edit_user', { auth: 'token' }, async ({ auth, data, req }) => {
    const { identity } = caller(auth).claims;
    const userId = requiredString(data, 'user');
    await assertAdminOf(identity, userId);
    const enabled = data['enabled'];
    if (typeof enabled !== 'boolean') throw new WardenError('ERR_BAD_REQUEST', 'enabled must be true or false');
    if (userId === identity.user && !enabled) throw new WardenError('ERR_BAD_REQUEST', 'an admin cannot disable itself');
    await store.setUserEnabled(userId, enabled);
    if (enabled) await revocations.restoreUser(userId);
    else await revocations.revokeUser(userId, nowSec() + clearml.max_expiration_sec);
    audit.record({ type: enabled ? 'user.enable' : 'user.disable', outcome: 'success', user: userId, company: identity.company, client_ip: req.ip });
    return { updated: 1, fields: { enabled } };
  });

  async function assertAdminOf(identity: TokenAuth['claims']['identity'], userId: string): Promise<void> {
    if (identity.role !== 'admin') throw new WardenError('ERR_FORBIDDEN', 'only an admin acts on other users');
    const user = await store.getUser(userId);
    if (!user || user.company !== identity.company) throw new WardenError('ERR_INVALID_USER', `user ${userId} not found`);
  }
}

function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}
