import type { IdentityProviders, IdpPreset } from '@warden/console';
import type { ConnectionAdmin } from './connection-admin';
import { OIDC_PROVIDERS, SAML_PROVIDERS } from './connection-fields';
import { OIDC_PRESETS, SAML_PRESETS } from './connection-presets';
import { fetchIdpMetadata } from './metadata-fetch';

/** The providers' names as the seed writes them. */
const LABELS: Record<string, string> = {
  auth0: 'Auth0',
  aws_cognito: 'AWS Cognito',
  google: 'Google',
  keycloak: 'Keycloak',
  microsoft_ad: 'Microsoft AD',
  microsoft_azure: 'Microsoft Azure',
  okta: 'Okta',
  ping: 'Ping',
  duo: 'Duo',
  jumpcloud: 'Jumpcloud',
  custom: 'Custom',
};

const presets = <P extends string>(ids: readonly P[], defaults: Record<P, object>): IdpPreset[] =>
  ids.map((id) => ({ id, label: LABELS[id], defaults: defaults[id] as Record<string, unknown> }));

/**
 * The console's Identity Providers page on the same ConnectionAdmin as `identity_providers.*`
 * (admin check, company scope, validation, sealing and audit all happen there).
 */
export function connectionConsole(admin: ConnectionAdmin, envProviders: IdentityProviders['envProviders']): IdentityProviders {
  return {
    list: (actor) => admin.list(actor),
    get: (actor, id) => admin.get(actor, id),
    create: (actor, data) => admin.create(actor, data),
    update: (actor, data) => admin.update(actor, data),
    setActive: (actor, id, active) => admin.setActive(actor, id, active),
    remove: (actor, id) => admin.remove(actor, id),
    presets: { oidc: presets(OIDC_PROVIDERS, OIDC_PRESETS), saml: presets(SAML_PROVIDERS, SAML_PRESETS) },
    fetchMetadata: fetchIdpMetadata,
    envProviders,
  };
}
