import { z } from 'zod';

/** What a connection field accepts; the names follow the seed's Identity Providers page. */
const url = z
  .string()
  .url()
  .max(2048)
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');
const claimName = z.string().min(1).max(256);
const scopeList = z
  .string()
  .max(1024)
  .regex(/^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]*(\s*,\s*[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+)*$/, 'must be a comma-separated list of scope names');

export const OIDC_PROVIDERS = ['auth0', 'aws_cognito', 'google', 'keycloak', 'microsoft_ad', 'microsoft_azure', 'okta', 'ping', 'custom'] as const;
export const SAML_PROVIDERS = ['duo', 'google', 'jumpcloud', 'microsoft_ad', 'custom'] as const;

/** Claims mappings: ClearML's claim names to the provider's (for SAML: attribute names, or NameID). */
export const claimsSchema = z
  .object({
    user_id: claimName,
    email: claimName,
    name: claimName,
    given_name: claimName.optional(),
    family_name: claimName.optional(),
    picture: claimName.optional(),
  })
  .strict();

/** User Groups Synchronization: the claim carrying group names, matched to existing groups. */
export const groupSyncSchema = z.object({ enabled: z.boolean(), claim: claimName }).strict();

const common = {
  web_app_url: url,
  display_name: z.string().trim().min(1).max(100),
  claims: claimsSchema,
  group_sync: groupSyncSchema,
};

export const oidcConfigSchema = z
  .object({
    ...common,
    client_id: z.string().min(1).max(512),
    authorization_endpoint: url,
    token_endpoint: url,
    revocation_endpoint: url.optional(),
    /** Obtain user information from Identity Token; else from the User Info Endpoint. */
    user_info_from_id_token: z.boolean(),
    userinfo_endpoint: url.optional(),
    email_verification: z.boolean(),
    create_users_on_first_login: z.boolean(),
    verify_token_signature: z.boolean(),
    jwks_uri: url.optional(),
    code_challenge_method: z.enum(['none', 'plain', 'S256']),
    standard_scopes: scopeList,
    additional_scopes: scopeList,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.user_info_from_id_token && !c.userinfo_endpoint)
      ctx.addIssue({ code: 'custom', path: ['userinfo_endpoint'], message: 'is required unless user information comes from the identity token' });
    if (c.verify_token_signature && !c.jwks_uri) ctx.addIssue({ code: 'custom', path: ['jwks_uri'], message: 'is required to verify token signatures' });
  });

/** Sign client requests: the key pair the seed's openssl commands make (certificate and PEM key). */
export const signRequestsSchema = z.object({ enabled: z.boolean(), public_key: z.string().max(16384).optional() }).strict();

export const samlConfigSchema = z
  .object({
    ...common,
    entity_id: z.string().trim().min(1).max(1024),
    require_signed_assertions: z.boolean(),
    sign_requests: signRequestsSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.sign_requests.enabled && !c.sign_requests.public_key)
      ctx.addIssue({ code: 'custom', path: ['sign_requests', 'public_key'], message: 'is required to sign client requests' });
  });

export type OidcConfig = z.infer<typeof oidcConfigSchema>;
export type SamlConfig = z.infer<typeof samlConfigSchema>;
export type Protocol = 'oidc' | 'saml';
export type OidcProvider = (typeof OIDC_PROVIDERS)[number];
export type SamlProvider = (typeof SAML_PROVIDERS)[number];

/** The write-only parts, kept sealed: never in an answer. */
export const secretInputSchema = z
  .object({
    client_secret: z.string().min(1).max(4096).optional(),
    private_key: z.string().min(1).max(16384).optional(),
    idp_metadata: z.string().min(1).optional(),
  })
  .strict();
