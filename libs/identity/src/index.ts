export type { CompanyRecord, CredentialRecord, NewCredentials, Role, UserRecord } from './types';
export { hashPassword, verifyPassword } from './password-hash';
export { DEFAULT_LOGIN_LIMITS, type LoginLimits } from './login-limits';
