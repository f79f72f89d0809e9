import type { z } from 'zod';
import { WardenError } from '@warden/errors';
import { OIDC_PROVIDERS, SAML_PROVIDERS, oidcConfigSchema, samlConfigSchema, secretInputSchema, type Protocol } from './connection-fields';
import { OIDC_PRESETS, SAML_PRESETS } from './connection-presets';

const SECRET_FIELDS = ['client_secret', 'private_key', 'idp_metadata'] as const;
const FIXED_FIELDS = ['id', 'protocol', 'provider'] as const;

export type SecretInput = z.infer<typeof secretInputSchema>;

/** A field error names the field and says what it must be, without echoing the value. */
export function fieldError(error: z.ZodError): WardenError {
  const issue = error.issues[0];
  const field = issue.path.join('.') || '(body)';
  const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : `${field} ${issue.message.toLowerCase()}`;
  return new WardenError('ERR_IDP_FIELD_INVALID', message, { field });
}

export function protocolOf(value: unknown): Protocol {
  if (value !== 'oidc' && value !== 'saml') throw new WardenError('ERR_IDP_FIELD_INVALID', 'protocol must be oidc or saml', { field: 'protocol' });
  return value;
}

export function providerOf(protocol: Protocol, value: unknown): string {
  const known: readonly string[] = protocol === 'oidc' ? OIDC_PROVIDERS : SAML_PROVIDERS;
  if (typeof value !== 'string' || !known.includes(value)) {
    throw new WardenError('ERR_IDP_FIELD_INVALID', `provider must be one of ${known.join(', ')} for ${protocol}`, { field: 'provider' });
  }
  return value;
}

export function presetFor(protocol: Protocol, provider: string): Record<string, unknown> {
  return (protocol === 'oidc' ? OIDC_PRESETS : SAML_PRESETS)[provider as never];
}

/** Splits a request's data into configuration fields and write-only secrets (checked by shape). */
export function splitInput(data: Record<string, unknown>): { fields: Record<string, unknown>; secrets: SecretInput } {
  const fields: Record<string, unknown> = {};
  const secretPart: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if ((FIXED_FIELDS as readonly string[]).includes(key)) continue;
    if ((SECRET_FIELDS as readonly string[]).includes(key)) secretPart[key] = value;
    else fields[key] = value;
  }
  const secrets = secretInputSchema.safeParse(secretPart);
  if (!secrets.success) throw fieldError(secrets.error);
  return { fields, secrets: secrets.data };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields over a base, one level deep: `claims: {email}` changes that mapping and keeps the others. */
export function overlay(base: Record<string, unknown>, fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(fields)) out[key] = isObject(value) && isObject(base[key]) ? { ...base[key], ...value } : value;
  return out;
}

export function checkedConfig(protocol: Protocol, config: Record<string, unknown>) {
  const parsed = (protocol === 'oidc' ? oidcConfigSchema : samlConfigSchema).safeParse(config);
  if (!parsed.success) throw fieldError(parsed.error);
  return parsed.data;
}
