import { AUTH_METHODS, ROLES, type TokenClaims } from './claims';

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The claims every Warden service relies on, with the types the rest of the code assumes. */
export function hasRequiredClaims(payload: Record<string, unknown>): payload is Record<string, unknown> & TokenClaims {
  const { identity, auth } = payload;
  return (
    Number.isFinite(payload.exp) &&
    Number.isFinite(payload.iat) &&
    (payload.nbf === undefined || Number.isFinite(payload.nbf)) &&
    nonEmpty(payload.jti) &&
    nonEmpty(payload.session_id) &&
    (payload.fam === undefined || nonEmpty(payload.fam)) &&
    (payload.auth_time === undefined || (Number.isFinite(payload.auth_time) && (payload.auth_time as number) <= (payload.iat as number))) &&
    nonEmpty(payload.sub) &&
    isObject(identity) &&
    nonEmpty(identity.user) &&
    nonEmpty(identity.company) &&
    ROLES.includes(identity.role as TokenClaims['identity']['role']) &&
    identity.user === payload.sub &&
    typeof identity.user_name === 'string' &&
    typeof identity.company_name === 'string' &&
    typeof payload.api_version === 'string' &&
    typeof payload.server_version === 'string' &&
    typeof payload.feature_set === 'string' &&
    isObject(auth) &&
    AUTH_METHODS.includes(auth.method as TokenClaims['auth']['method']) &&
    (auth.access_key === undefined || nonEmpty(auth.access_key)) &&
    (auth.password_change_required === undefined || auth.password_change_required === true)
  );
}
