import { WardenError } from '@warden/errors';
import type { ClearmlApi } from '@warden/http';
import type { AuthService } from './auth-service';
import { webLoginEnabled } from './auth-settings';
import type { GatewayCaller } from './gateway-authenticator';
import { optionalStringList } from './request-fields';

/** What a web client asks before and after logging in: the login modes, and who it is. */
export function registerSessionEndpoints(
  api: ClearmlApi<GatewayCaller>,
  service: AuthService,
  loginModes: () => { sso: Record<string, string>; sso_providers: object[] } = () => ({ sso: {}, sso_providers: [] }),
): void {
  const { clearml, gateway, store } = service.deps;

  api.endpoint('login.supported_modes', { auth: 'optional' }, ({ auth }) => ({
    authenticated: auth.token !== undefined,
    basic: { enabled: webLoginEnabled(clearml, gateway), guest: { enabled: false } },
    // Warden extensions: which kinds of web login this server takes.
    login_methods: {
      fixed_users: clearml.fixed_users.enabled && !gateway.login.free_access,
      local_users: gateway.login.local_users && !gateway.login.free_access,
      free_access: gateway.login.free_access,
    },
    // ClearML's shape: sso maps each provider to its sign-in URL, sso_providers lists them for buttons.
    ...loginModes(),
    server_errors: {},
  }));

  api.endpoint('users.get_current_user', { auth: 'token' }, async ({ auth }) => {
    const { claims } = callerClaims(auth);
    const user = await store.getUser(claims.identity.user);
    if (!user || user.company !== claims.identity.company) throw new WardenError('ERR_INVALID_USER', 'the token names a user that does not exist');
    return {
      user: {
        id: user.id,
        name: user.name,
        email: user.email ?? null,
        role: user.role,
        company: { id: user.company, name: user.company_name },
        created: user.created,
      },
      getting_started: {},
      settings: {},
    };
  });

  // Only the caller's company: user lists never cross tenants, whatever the request asks.
  api.endpoint('users.get_all', { auth: 'token' }, async ({ auth, data }) => {
    const { identity } = callerClaims(auth).claims;
    const ids = optionalStringList(data, 'id');
    const users = await store.listUsers(identity.company);
    const wanted = ids ? users.filter((u) => ids.includes(u.id)) : users;
    return { users: wanted.map((u) => ({ id: u.id, name: u.name, role: u.role, company: u.company, created: u.created })) };
  });
}

function callerClaims(auth: GatewayCaller) {
  if (!auth.token) throw new WardenError('ERR_UNAUTHORIZED');
  return auth.token;
}
