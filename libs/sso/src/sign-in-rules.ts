import type { ProviderConfig } from './sso-settings';

/**
 * What decides a sign-in, whichever way the provider came: an env-configured OIDC provider
 * (ProviderSettings is one) or a connection an admin made (OIDC or SAML). Claims mapping, group
 * sync and the account rules read only this, so both kinds behave the same.
 */
export interface SignInRules extends Pick<ProviderConfig, 'claims' | 'groups' | 'admin_role' | 'require_email_verified'> {
  /** Names the method in the audit (`sso:<name>`) and the link. */
  name: string;
  /** The company new users join; without it only existing (or invited) users get in. */
  defaultCompany?: string;
  /** Set for a company's own connection: only users of that company sign in through it. */
  company?: string;
  /** An OIDC client whose `resource_access.<client>.roles` count as roles. */
  clientId?: string;
}
