import type { IdpProtocol } from './port';

/**
 * The configuration form's fields, in the seed's order and with its names, for each protocol. One
 * list drives both the markup and the reading of a sent form, so they cannot drift apart. `name` is
 * the API's field path (`claims.user_id`); the input's id is `idp-field-<path, dots as dashes>`.
 *   derived   read-only URL the gateway derives from the web app URL and the id (copy into the IdP)
 *   secret    write-only (password input / textarea): empty keeps the saved one, never rendered back
 *   metadata  the IdP metadata: a file (read by the script), pasted XML, or a URL the gateway fetches
 */
export type FieldKind = 'text' | 'url' | 'checkbox' | 'select' | 'textarea' | 'derived' | 'secret' | 'secret-text' | 'metadata';

export interface FieldSpec {
  name: string;
  label: string;
  kind: FieldKind;
  hint?: string;
  required?: boolean;
  /** A list that may be empty: sent as '' rather than cleared. */
  list?: boolean;
  options?: readonly (readonly [value: string, label: string])[];
}

export interface FieldSection {
  id: string;
  title: string;
  fields: readonly FieldSpec[];
}

/** A switch: sent as `yes` when on, read as false when absent. */
const checkbox = (name: string, label: string, hint: string): FieldSpec => ({ name, label, kind: 'checkbox', hint });

const claim = (key: string, label: string, hint: string, required = false): FieldSpec => ({ name: `claims.${key}`, label, kind: 'text', hint, required });

const CLAIMS: FieldSection = {
  id: 'claims',
  title: 'Claims mappings',
  fields: [
    claim('user_id', 'user id', "The user's unique ID", true),
    claim('email', 'email', "The user's email address", true),
    claim('name', 'name', "The user's full name", true),
    claim('given_name', 'given name', "The user's given name (optional if name is specified)"),
    claim('family_name', 'family name', "The user's family name (surname, optional if name is specified)"),
    claim('picture', 'picture', "The user's avatar or picture URL"),
  ],
};

const GROUPS: FieldSection = {
  id: 'groups',
  title: 'User Groups Synchronization',
  fields: [
    checkbox(
      'group_sync.enabled',
      'Synchronize group membership',
      'Each group in the groups claim is matched to an existing group by name; memberships the provider no longer lists are removed',
    ),
    { name: 'group_sync.claim', label: 'Groups claim', kind: 'text', required: true, hint: 'The claim (SAML: attribute) carrying the group names' },
  ],
};

/** The section both protocols open with: the web app URL, the URLs derived from it, the display name, then the protocol's own. */
function connectionSection(target: string, derived: FieldSpec[], fields: FieldSpec[]): FieldSection {
  const webAppUrl: FieldSpec = {
    name: 'web_app_url',
    label: 'ClearML WebApp URL',
    kind: 'url',
    required: true,
    hint: `The external URL of the web app. Used to construct the ${target} used by the identity provider`,
  };
  const displayName: FieldSpec = {
    name: 'display_name',
    label: 'Display name',
    kind: 'text',
    required: true,
    hint: 'Unique name shown on the login screen; no two connections may have the same name',
  };
  return { id: 'connection', title: 'Provider Connection Configuration', fields: [webAppUrl, ...derived, displayName, ...fields] };
}

export const OIDC_SECTIONS: readonly FieldSection[] = [
  connectionSection(
    'Callback URL',
    [{ name: 'callback_url', label: 'Callback URL', kind: 'derived', hint: "Copy into the provider's Callback (Redirect) URL field" }],
    [
      { name: 'client_id', label: 'Client ID', kind: 'text', required: true, hint: "From your identity provider's app settings" },
      { name: 'client_secret', label: 'Client Secret', kind: 'secret', hint: "From your identity provider's app settings" },
      { name: 'authorization_endpoint', label: 'Authorization Endpoint', kind: 'url', required: true, hint: 'Used to authorize each user login' },
      { name: 'token_endpoint', label: 'Access Token Endpoint', kind: 'url', required: true, hint: 'Used to obtain an access token as part of the login' },
      { name: 'revocation_endpoint', label: 'Revocation Endpoint', kind: 'url', hint: 'Used to revoke an access token' },
      checkbox('user_info_from_id_token', 'Obtain user information from Identity Token', 'If not selected, provide a User Info Endpoint'),
      { name: 'userinfo_endpoint', label: 'User Info Endpoint', kind: 'url', hint: 'Used to obtain user information when the identity token is not used' },
      checkbox('email_verification', 'Email verification', 'Only allow users with a verified email address (the provider must return an email_verified claim)'),
      checkbox(
        'create_users_on_first_login',
        'Create new users on first login',
        'If not selected, only existing users or users invited by email can log in with this connection',
      ),
      checkbox('verify_token_signature', 'Verify token signature', 'Requires the JWKS URI'),
      { name: 'jwks_uri', label: 'JWKS URI', kind: 'url', hint: "The provider's signing keys" },
    ],
  ),
  {
    id: 'additional',
    title: 'Additional Settings',
    fields: [
      {
        name: 'code_challenge_method',
        label: 'Code challenge method',
        kind: 'select',
        options: [
          ['none', 'None'],
          ['plain', 'Plain'],
          ['S256', 'S256'],
        ],
        hint: "Must match the provider's app settings",
      },
      { name: 'standard_scopes', label: 'Standard Userinfo scopes', kind: 'text', list: true, hint: 'Comma-separated list of scopes' },
      {
        name: 'additional_scopes',
        label: 'Additional scopes',
        kind: 'text',
        list: true,
        hint: 'Comma-separated list of any additional scopes the provider requires',
      },
    ],
  },
  CLAIMS,
  GROUPS,
];

export const SAML_SECTIONS: readonly FieldSection[] = [
  connectionSection(
    'Reply/ACS URL',
    [
      { name: 'acs_url', label: 'Reply/ACS URL', kind: 'derived', hint: "Copy into the provider's Assertion Consumer Service URL field" },
      { name: 'sp_metadata_url', label: 'Service provider metadata URL', kind: 'derived', hint: 'Or give the provider this metadata' },
    ],
    [
      {
        name: 'entity_id',
        label: 'Entity ID',
        kind: 'text',
        required: true,
        hint: "The Entity ID of your identity provider's app (this server's SAML entity)",
      },
      {
        name: 'idp_metadata',
        label: 'IDP metadata file',
        kind: 'metadata',
        hint: 'Provided by the identity provider: a file, its XML, or the URL it is published at',
      },
    ],
  ),
  {
    id: 'security',
    title: 'Security Settings',
    fields: [
      checkbox('require_signed_assertions', 'Require signed assertions', 'Assertions or responses must be signed by the identity provider'),
      checkbox('sign_requests.enabled', 'Sign client requests', 'Sign requests sent to the identity provider with this key pair'),
      { name: 'sign_requests.public_key', label: 'Public Key', kind: 'textarea', hint: 'The content of server.cer' },
      { name: 'private_key', label: 'Private Key', kind: 'secret-text', hint: 'The content of server.key' },
    ],
  },
  CLAIMS,
  GROUPS,
];

export function sectionsOf(protocol: IdpProtocol): readonly FieldSection[] {
  return protocol === 'oidc' ? OIDC_SECTIONS : SAML_SECTIONS;
}

export const fieldId = (name: string) => `idp-field-${name.replace(/\./g, '-')}`;

/** The value at a field path of a connection (or a preset's defaults). */
export function valueAt(values: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined), values);
}

function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  let node = target;
  for (const key of keys) node = (node[key] ??= {}) as Record<string, unknown>;
  node[last] = value;
}

/**
 * A sent form as the API's connection fields: every field of the protocol is read (an unchecked
 * box is false, an empty optional field is cleared); an empty secret is left out (the saved one
 * stays); derived and metadata fields are not read here.
 */
export function formFields(protocol: IdpProtocol, body: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const field of sectionsOf(protocol).flatMap((s) => s.fields)) {
    const raw = typeof body[field.name] === 'string' ? (body[field.name] as string) : '';
    if (field.kind === 'derived' || field.kind === 'metadata') continue;
    if (field.kind === 'checkbox') setAt(data, field.name, raw === 'yes');
    else if (field.kind === 'secret' || field.kind === 'secret-text') {
      if (raw.trim()) setAt(data, field.name, raw);
    } else setAt(data, field.name, raw.trim() === '' && !field.required && !field.list ? undefined : raw.trim());
  }
  return data;
}
