import type { OidcConfig, OidcProvider, SamlConfig, SamlProvider } from './connection-fields';

type OidcDefaults = Partial<OidcConfig>;
type SamlDefaults = Partial<SamlConfig>;

const oidcBase: OidcDefaults = {
  user_info_from_id_token: true,
  email_verification: true,
  create_users_on_first_login: false,
  verify_token_signature: true,
  code_challenge_method: 'S256',
  standard_scopes: 'openid,profile,email',
  additional_scopes: '',
  claims: { user_id: 'sub', email: 'email', name: 'name', given_name: 'given_name', family_name: 'family_name', picture: 'picture' },
  group_sync: { enabled: false, claim: 'groups' },
};

const MS_CLAIM = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

/**
 * Each preset fills what the provider fixes (Google's endpoints, the group claim a provider
 * emits, Azure's object id as the stable user id); tenant-specific endpoints stay for the admin.
 */
export const OIDC_PRESETS: Record<OidcProvider, OidcDefaults> = {
  auth0: { ...oidcBase },
  aws_cognito: { ...oidcBase, group_sync: { enabled: false, claim: 'cognito:groups' }, claims: { ...oidcBase.claims!, name: 'cognito:username' } },
  google: {
    ...oidcBase,
    authorization_endpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
    token_endpoint: 'https://oauth2.googleapis.com/token',
    revocation_endpoint: 'https://oauth2.googleapis.com/revoke',
    userinfo_endpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
    jwks_uri: 'https://www.googleapis.com/oauth2/v3/certs',
  },
  keycloak: { ...oidcBase, claims: { ...oidcBase.claims!, name: 'preferred_username' } },
  microsoft_ad: {
    ...oidcBase,
    standard_scopes: 'openid,profile,email,allatclaims',
    claims: { ...oidcBase.claims!, user_id: 'upn', name: 'unique_name' },
    group_sync: { enabled: false, claim: 'group' },
  },
  microsoft_azure: { ...oidcBase, claims: { ...oidcBase.claims!, user_id: 'oid', name: 'preferred_username' } },
  okta: { ...oidcBase, standard_scopes: 'openid,profile,email,groups' },
  ping: { ...oidcBase, group_sync: { enabled: false, claim: 'memberOf' } },
  custom: { ...oidcBase },
};

const samlBase: SamlDefaults = {
  require_signed_assertions: true,
  sign_requests: { enabled: false },
  claims: { user_id: 'nameID', email: 'email', name: 'name', given_name: 'given_name', family_name: 'family_name' },
  group_sync: { enabled: false, claim: 'groups' },
};

export const SAML_PRESETS: Record<SamlProvider, SamlDefaults> = {
  duo: {
    ...samlBase,
    claims: { user_id: 'nameID', email: 'Email', name: 'Username', given_name: 'FirstName', family_name: 'LastName' },
    group_sync: { enabled: false, claim: 'Group' },
  },
  google: { ...samlBase, claims: { user_id: 'nameID', email: 'nameID', name: 'name', given_name: 'first_name', family_name: 'last_name' } },
  jumpcloud: {
    ...samlBase,
    claims: { user_id: 'nameID', email: 'email', name: 'username', given_name: 'firstname', family_name: 'lastname' },
    group_sync: { enabled: false, claim: 'memberOf' },
  },
  microsoft_ad: {
    ...samlBase,
    claims: {
      user_id: 'nameID',
      email: `${MS_CLAIM}/emailaddress`,
      name: `${MS_CLAIM}/name`,
      given_name: `${MS_CLAIM}/givenname`,
      family_name: `${MS_CLAIM}/surname`,
    },
    group_sync: { enabled: false, claim: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups' },
  },
  custom: { ...samlBase },
};
