import type { SignInRules } from '../sign-in-rules';
import type { OidcConfig } from './connection-fields';
import type { ConnectionDoc } from './connection-store';

/**
 * A connection's sign-in rules, for the same account path as the env-configured providers: users of
 * the connection's company only; groups matched by name, never created; admins stay managed in
 * Warden (the seed's connections have no admin mapping). OIDC creates users only when the admin
 * chose "create new users on first login"; SAML has no such switch in the seed and always does.
 */
export function connectionRules(doc: Pick<ConnectionDoc, '_id' | 'company' | 'protocol' | 'config'>): SignInRules {
  const { claims, group_sync } = doc.config;
  const oidc = doc.protocol === 'oidc' ? (doc.config as OidcConfig) : undefined;
  return {
    name: `connection-${doc._id}`,
    company: doc.company,
    defaultCompany: !oidc || oidc.create_users_on_first_login ? doc.company : undefined,
    clientId: oidc?.client_id,
    require_email_verified: oidc?.email_verification ?? false,
    admin_role: '',
    groups: { enabled: group_sync.enabled, claim: group_sync.claim, admins: [], prohibit_user_signup_if_not_in_group: false },
    claims: {
      user_id: claims.user_id,
      email: claims.email,
      email_verified: 'email_verified',
      name: claims.name,
      given_name: claims.given_name ?? 'given_name',
      family_name: claims.family_name ?? 'family_name',
      picture: claims.picture ?? 'picture',
      roles: 'roles',
    },
  };
}

/**
 * A verified SAML assertion as claims: NameID under `nameID`, each attribute under its name. The IdP
 * a company's admin connected vouches for the email it asserts (within that company only).
 */
export function samlClaims(assertion: { nameID: string; attributes: Record<string, unknown> }): Record<string, unknown> {
  return { ...assertion.attributes, nameID: assertion.nameID, email_verified: true };
}
