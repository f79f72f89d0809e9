import { WardenError } from '@warden/errors';
import type { SignInRules } from './sign-in-rules';

/** What a sign-in says about the user, read through the provider's claim names. */
export interface SsoProfile {
  subject: string;
  email?: string;
  emailVerified: boolean;
  /** The login name to give a new user (seed: `claims.name` = preferred_username). */
  username?: string;
  displayName?: string;
  groups: string[];
  roles: string[];
}

const MAX_LIST = 200;
const MAX_TEXT = 256;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() && value.length <= MAX_TEXT ? value.trim() : undefined);

function textList(value: unknown): string[] {
  if (typeof value === 'string') return text(value) ? [value.trim()] : [];
  if (!Array.isArray(value)) return [];
  return value.slice(0, MAX_LIST).flatMap((v) => (text(v) ? [(v as string).trim()] : []));
}

/** A dotted claim name reaches into objects (`realm_access.roles`), as provider mappers nest them. */
function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  return name.split('.').reduce<unknown>((at, key) => (typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined), claims);
}

export function readProfile(settings: SignInRules, claims: Record<string, unknown>): SsoProfile {
  const c = settings.claims;
  const subject = text(claimAt(claims, c.user_id));
  if (!subject) throw new WardenError('ERR_SSO_TOKEN_CLAIM', `the sign-in carries no ${c.user_id} claim to identify the user`);
  const verified = claimAt(claims, c.email_verified);
  const given = text(claimAt(claims, c.given_name));
  const family = text(claimAt(claims, c.family_name));
  const email = text(claimAt(claims, c.email));
  return {
    subject,
    email: email?.includes('@') ? email : undefined,
    emailVerified: verified === true || verified === 'true',
    username: text(claimAt(claims, c.name)),
    displayName: given || family ? [given, family].filter(Boolean).join(' ') : text(claims['name']),
    groups: settings.groups.enabled ? textList(claimAt(claims, settings.groups.claim)).map((g) => g.replace(/^\//, '')) : [],
    // Keycloak puts roles in realm_access and resource_access.<client>; a mapper may flatten them.
    roles: [
      ...textList(claimAt(claims, c.roles)),
      ...textList(claimAt(claims, 'realm_access.roles')),
      ...textList((claimAt(claims, 'resource_access') as Record<string, { roles?: unknown }> | undefined)?.[settings.clientId ?? '']?.roles),
    ],
  };
}
