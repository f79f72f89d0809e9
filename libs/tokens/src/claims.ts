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
  /** The family: every token of one login, renewals included, shares it; logout ends them all. */
  fam?: string;
  /** When the family's login happened (epoch seconds); renewals keep it. */
  auth_time?: number;
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

export interface TokenFamily {
  id: string;
  /** Epoch seconds of the login that started it. */
  startedAt: number;
}

/** A token issued before families existed is a family of its own, started when it was issued. */
export function familyOf(claims: TokenClaims): TokenFamily {
  return { id: claims.fam ?? claims.session_id, startedAt: claims.auth_time ?? claims.iat };
}
