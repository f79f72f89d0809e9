export type TokenAlgorithm = 'ES256' | 'RS256';
export type Role = 'user' | 'admin' | 'system';
export type AuthMethod = 'credentials' | 'password' | 'fixed_user' | 'sso';

export const TOKEN_ALGORITHMS: readonly TokenAlgorithm[] = ['ES256', 'RS256'];
export const ROLES: readonly Role[] = ['user', 'admin', 'system'];
export const AUTH_METHODS: readonly AuthMethod[] = ['credentials', 'password', 'fixed_user', 'sso'];

export interface Identity {
  user: string;
  company: string;
  role: Role;
  user_name: string;
  company_name: string;
}

export interface TokenClaims {
  iss: string;
  aud: string | string[];
  sub: string;
  jti: string;
  session_id: string;
  iat: number;
  nbf: number;
  exp: number;
  identity: Identity;
  // The ClearML SDK reads these three from the token rather than from a server call.
  api_version: string;
  server_version: string;
  feature_set: string;
  /**
   * password_change_required: a password login after an admin's reset. Every service refuses such a
   * token except for the few calls that change the password, log out or say who the caller is.
   */
  auth: { method: AuthMethod; access_key?: string; password_change_required?: true };
}
