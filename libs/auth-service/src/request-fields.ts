import { WardenError } from '@warden/errors';

/** Field readers for request data: a wrong type is the caller's error, named. */
export function requiredString(data: Record<string, unknown>, field: string): string {
  const value = data[field];
  if (typeof value !== 'string' || value.length === 0) throw new WardenError('ERR_BAD_REQUEST', `${field} is required and must be a string`, { field });
  return value;
}

export function optionalString(data: Record<string, unknown>, field: string): string | undefined {
  const value = data[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new WardenError('ERR_BAD_REQUEST', `${field} must be a string`, { field });
  return value;
}

export function optionalInt(data: Record<string, unknown>, field: string, min: number): number | undefined {
  const raw = data[field];
  if (raw === undefined || raw === null) return undefined;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new WardenError('ERR_BAD_REQUEST', `${field} must be an integer of at least ${min}`, { field });
  }
  return value;
}

/** A string or a list of strings (ClearML accepts both for id filters). */
export function optionalStringList(data: Record<string, unknown>, field: string): string[] | undefined {
  const value = data[field];
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((item) => typeof item === 'string')) throw new WardenError('ERR_BAD_REQUEST', `${field} must be a string or a list of strings`, { field });
  return list;
}
