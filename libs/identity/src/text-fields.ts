import { WardenError } from '@warden/errors';

/** Longest values the admin operations store; longer ones are refused whole, never cut. */
export const FIELD_LIMITS = {
  username: 256,
  name: 256,
  email: 254,
  group: 128,
} as const;

export type LimitedField = keyof typeof FIELD_LIMITS;

// Control characters (newlines, NUL, escapes) never belong in a name; markup, RTL and zero-width
// characters are stored as typed and escaped wherever they are shown.
const CONTROL = /\p{Cc}/u;
const EMAIL = /^[^\s@]+@[^\s@]+$/u;

/** A trimmed, NFC-normalised, non-empty printable text within the field's limit, or a 400 naming the field. */
export function textField(field: LimitedField, value: unknown): string {
  const max = FIELD_LIMITS[field];
  if (typeof value !== 'string') throw new WardenError('ERR_BAD_REQUEST', `${field} is required and must be text`, { field });
  const text = value.normalize('NFC').trim();
  if (!text) throw new WardenError('ERR_BAD_REQUEST', `${field} must not be empty`, { field });
  if (text.length > max) throw new WardenError('ERR_BAD_REQUEST', `${field} is longer than ${max} characters`, { field, max_length: max });
  if (CONTROL.test(text)) throw new WardenError('ERR_BAD_REQUEST', `${field} must not contain control characters`, { field });
  return text;
}

export function emailField(value: unknown): string {
  const email = textField('email', value);
  if (!EMAIL.test(email)) throw new WardenError('ERR_BAD_REQUEST', 'email must look like name@domain', { field: 'email' });
  return email;
}

/** The form names and emails are compared in: case-insensitive, as FerretDB has no collations. */
export function folded(text: string): string {
  return text.normalize('NFC').toLowerCase();
}
