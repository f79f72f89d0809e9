export type { CompanyRecord, CredentialRecord, NewCredentials, Role, UserRecord } from './types';
export { IdentityStore, type IdentityStoreOptions, type SystemCredentialName, type SystemCredentialsInput } from './identity-store';
export { hashPassword, verifyPassword } from './password-hash';
export { FixedUsers, type FixedUser, type FixedUsersConfig } from './fixed-users';
export { DEFAULT_LOGIN_LIMITS, type LoginLimits } from './login-limits';
export { LoginRateLimiter, type LoginRateLimiterOptions } from './login-rate-limiter';
export { AUDIT_EVENT_TYPES, AuditTrail, type AuditEvent, type AuditEventType, type AuditTrailOptions } from './audit-trail';
export { FailureLimiter, type FailureLimiterOptions } from './failure-limiter';
export { TenantFounder, type FoundedTenant, type TenantInput } from './tenant-founding';
export {
  DEFAULT_PASSWORD_POLICY,
  MAX_POLICY_LENGTH,
  MIN_POLICY_LENGTH,
  PasswordPolicy,
  type PasswordPolicySettings,
  type PasswordRule,
} from './password-policy';
export { MongoRevocationRecord, type MongoRevocationRecordOptions } from './revocation-record';
export { GroupStore, type GroupRecord, type GroupSummary, type MembershipChange } from './groups';
export { FIELD_LIMITS, type LimitedField } from './text-fields';
export { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, AuditQueries, type AuditEntry, type AuditPage, type AuditQuery } from './audit-query';
export { Invitations, type InvitationRecord, type InvitationsOptions, type NewInvitation } from './invitations';
export { CompanyAdmin, type CompanyAdminOptions } from './company-admin';
export type { AdminActor, SessionEnder } from './admin-guard';
export type { AdminUserView, FailureCounter, NewUserInput, UsernameGuard, UserAdmin } from './user-admin';
export type { GroupAdmin } from './group-admin';
