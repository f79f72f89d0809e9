import type { Request, Response } from 'express';
import { WardenError } from '@warden/errors';
import { clearAuthCookies, type ClearmlApi, type TokenAuth } from '@warden/http';
import type { CompanyAdmin, CredentialRecord } from '@warden/identity';
import type { TokenClaims } from '@warden/tokens';
import type { AuthService } from './auth-service';
import type { GatewayCaller } from './gateway-authenticator';
import { CredentialActions } from './credential-actions';
import { endBrowserSession, loginAnswer } from './login-answer';
import type { UsernameConflicts } from './username-conflicts';
import { optionalInt, optionalString, requiredString } from './request-fields';

export interface AuthEndpointOptions {
  service: AuthService;
  /** Keys CSRF tokens (secure.http.session_secret.apiserver). */
  sessionSecret: string;
  usernameConflicts: UsernameConflicts;
  /** Where the browser goes after logout when the login was an SSO one with idp_logout (answered as redirect_url). */
  logoutRedirect?: (claims: TokenClaims, req: Request) => Promise<string | undefined>;
  /** The admin rules (last admin, no self-disable) the console applies too. */
  admin: CompanyAdmin;
}

function caller(auth: GatewayCaller): TokenAuth {
  if (!auth.token) throw new WardenError('ERR_UNAUTHORIZED');
  return auth.token;
}

function credentialView(c: CredentialRecord) {
  return {
    access_key: c.access_key,
    label: c.label ?? null,
    last_used: c.last_used ?? null,
    last_used_from: c.last_used_from ?? null,
    created: c.created,
    revoked: c.revoked ?? null,
  };
}

/** ClearML's auth.* service on the gateway: logins, logout and API credentials. */
export function registerAuthEndpoints(api: ClearmlApi<GatewayCaller>, options: AuthEndpointOptions): void {
  const { service, sessionSecret, usernameConflicts, admin } = options;
  const { store, audit, clearml } = service.deps;
  const cookieSettings = { name: clearml.session_auth_cookie_name, ...clearml.cookies };
  const answerLogin = loginAnswer(clearml, sessionSecret);
  const credentials = new CredentialActions(service);

  api.endpoint('auth.login', { auth: 'login' }, async ({ auth, data, req, res }) => {
    const expirationSec = optionalInt(data, 'expiration_sec', 1);
    if (auth.token) return answerLogin(req, res, service.renew(auth.token.claims, expirationSec));
    if (!auth.basic) throw new WardenError('ERR_UNAUTHORIZED', 'missing credentials: send Authorization: Basic key:secret');
    const issued = await service.login({ ...auth.basic, clientIp: req.ip ?? '', expirationSec });
    return answerLogin(req, res, issued);
  });

  const logout = async ({ auth, req, res }: { auth: GatewayCaller; req: Request; res: Response }) => {
    const { claims } = caller(auth);
    await endBrowserSession(service, claims, req, res);
    const redirect = await options.logoutRedirect?.(claims, req);
    return redirect ? { redirect_url: redirect } : {};
  };
  api.endpoint('auth.logout', { auth: 'token' }, logout);
  api.endpoint('login.logout', { auth: 'token' }, logout);

  api.endpoint('auth.create_credentials', { auth: 'token' }, async ({ auth, data, req }) => {
    const created = await credentials.create(caller(auth).claims.identity, optionalString(data, 'label'), req.ip);
    return { credentials: { access_key: created.access_key, secret_key: created.secret_key, label: created.record.label ?? null } };
  });

  api.endpoint('auth.get_credentials', { auth: 'token' }, async ({ auth, data }) => {
    const { identity } = caller(auth).claims;
    const user = optionalString(data, 'user') ?? identity.user;
    if (user !== identity.user) await assertAdminOf(identity, user);
    return { credentials: (await credentials.list(user, identity.company)).map(credentialView) };
  });

  api.endpoint('auth.edit_credentials', { auth: 'token' }, async ({ auth, data, req }) => {
    await credentials.relabel(caller(auth).claims.identity, requiredString(data, 'access_key'), optionalString(data, 'label'), req.ip);
    return { updated: 1 };
  });

  api.endpoint('auth.revoke_credentials', { auth: 'token' }, async ({ auth, data, req }) => {
    await credentials.revoke(caller(auth).claims.identity, requiredString(data, 'access_key'), req.ip);
    return { revoked: 1 };
  });

  api.endpoint('auth.create_user', { auth: 'token' }, async ({ auth, data, req }) => {
    const { identity } = caller(auth).claims;
    const company = await companyForNewUser(identity, data);
    const role = optionalString(data, 'role') ?? 'user';
    if (role !== 'user' && role !== 'admin') throw new WardenError('ERR_BAD_REQUEST', 'role must be user or admin', { field: 'role' });
    const user = await usernameConflicts.guard(identity, { username: data['username'], clientIp: req.ip }, () =>
      store.createUser({
        company,
        username: requiredString(data, 'username'),
        name: optionalString(data, 'name'),
        email: optionalString(data, 'email'),
        password: optionalString(data, 'password'),
        role,
        source: 'local',
      }),
    );
    audit.record({ type: 'user.create', outcome: 'success', user: user.id, actor: identity.user, company, client_ip: req.ip, detail: role });
    return { id: user.id };
  });

  // An admin adds users to its own company, and nobody else adds any: a company and its first
  // admin are founded by the operator (POST /operator/tenants), never by a token of any role.
  async function companyForNewUser(identity: TokenAuth['claims']['identity'], data: Record<string, unknown>): Promise<string> {
    if (identity.role !== 'admin') throw new WardenError('ERR_FORBIDDEN', 'only an admin creates users');
    const requested = optionalString(data, 'company');
    if (requested !== undefined && requested !== identity.company) throw new WardenError('ERR_FORBIDDEN', 'an admin creates users in its own company only');
    return identity.company;
  }

  // Through the company admin's rules: the last enabled admin stays, no admin disables itself, and
  // disabling ends the user's tokens before the user is marked disabled.
  api.endpoint('auth.edit_user', { auth: 'token' }, async ({ auth, data, req }) => {
    const { identity } = caller(auth).claims;
    if (identity.role !== 'admin') throw new WardenError('ERR_FORBIDDEN', 'only an admin acts on other users');
    const enabled = data['enabled'];
    if (typeof enabled !== 'boolean') throw new WardenError('ERR_BAD_REQUEST', 'enabled must be true or false');
    await admin.users.setEnabled({ user: identity.user, company: identity.company, clientIp: req.ip }, requiredString(data, 'user'), enabled);
    return { updated: 1, fields: { enabled } };
  });

  // "Sign out everywhere": every token of the user's logins so far, the caller's own included when it
  // names itself (the default). An admin may do it for a user of its company.
  api.endpoint('auth.revoke_sessions', { auth: 'token' }, async ({ auth, data, req, res }) => {
    const { identity } = caller(auth).claims;
    const userId = optionalString(data, 'user') ?? identity.user;
    if (userId !== identity.user) await assertAdminOf(identity, userId);
    await service.sessions.endUserTokens(userId);
    if (userId === identity.user) clearAuthCookies(req, res, cookieSettings);
    audit.record({
      type: 'sessions.revoke',
      outcome: 'success',
      user: userId,
      ...(userId !== identity.user && { actor: identity.user }),
      company: identity.company,
      client_ip: req.ip,
    });
    return { revoked: 1 };
  });

  async function assertAdminOf(identity: TokenAuth['claims']['identity'], userId: string): Promise<void> {
    if (identity.role !== 'admin') throw new WardenError('ERR_FORBIDDEN', 'only an admin acts on other users');
    const user = await store.getUser(userId);
    if (!user || user.company !== identity.company) throw new WardenError('ERR_INVALID_USER', `user ${userId} not found`);
  }
}
