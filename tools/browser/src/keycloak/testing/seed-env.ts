// The environment variables of ClearML's "KeyCloak IdP Configuration" page (the issue 14 seed), with the
// names spelled exactly as the page spells them and values as the page shows them (strings, the admin
// groups as a JSON list inside a string), filled in from the running Keycloak test service.
import type { KeycloakState } from './keycloak-state';

export interface SeedOptions {
  /** secure...default_company: automatic user creation into this company. */
  defaultCompany?: string;
  /** groups__enabled/claim and claims__name (the seed's "User Groups Integration"). */
  groups?: boolean;
  /** groups__admins: Keycloak group names whose members become admins. */
  adminGroups?: string[];
  /** groups__prohibit_user_signup_if_not_in_group. */
  prohibitSignupIfNotInGroup?: boolean;
  /** admin_role: the admin claim name; "" turns role-based admin off; unset leaves Warden's default. */
  adminRole?: string;
  /** idp_logout. */
  idpLogout?: boolean;
  /** get_info_from_access_token: false reads the userinfo endpoint instead. */
  getInfoFromAccessToken?: boolean;
}

/**
 * The variables for provider `keycloak` (the seed's name) or another one; `endpoints: false` sets only
 * base_url, leaving the authorize and token endpoints to discovery.
 */
export function seedEnvironment(
  state: KeycloakState,
  options: SeedOptions = {},
  provider = 'keycloak',
  client = state.client,
  endpoints = true,
): Record<string, string> {
  const SERVICES = `CLEARML__services__login__sso__oauth_client__${provider}__`;
  const SECURE = `CLEARML__secure__login__sso__oauth_client__${provider}__`;
  const env: Record<string, string> = {
    // Basic Setup
    [`${SERVICES}base_url`]: state.issuer,
    ...(endpoints && {
      [`${SERVICES}authorize_url`]: `${state.issuer}/protocol/openid-connect/auth`,
      [`${SERVICES}access_token_url`]: `${state.issuer}/protocol/openid-connect/token`,
    }),
    [`${SECURE}client_id`]: client.clientId,
    [`${SECURE}client_secret`]: client.clientSecret,
  };
  if (options.defaultCompany !== undefined) env[`${SECURE}default_company`] = options.defaultCompany;
  if (options.groups) {
    env[`${SERVICES}groups__enabled`] = 'true';
    env[`${SERVICES}groups__claim`] = 'groups';
    env[`${SERVICES}claims__name`] = 'preferred_username';
  }
  if (options.adminGroups) env[`${SERVICES}groups__admins`] = JSON.stringify(options.adminGroups);
  if (options.prohibitSignupIfNotInGroup !== undefined) {
    env[`${SERVICES}groups__prohibit_user_signup_if_not_in_group`] = String(options.prohibitSignupIfNotInGroup);
  }
  if (options.adminRole !== undefined) env[`${SERVICES}admin_role`] = options.adminRole;
  if (options.idpLogout !== undefined) env[`${SERVICES}idp_logout`] = String(options.idpLogout);
  if (options.getInfoFromAccessToken !== undefined) {
    env[`${SERVICES}get_info_from_access_token`] = String(options.getInfoFromAccessToken);
  }
  return env;
}
