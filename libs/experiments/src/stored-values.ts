import { WardenError } from '@warden/errors';
import { apiDate } from './api-date';
import { isPlainObject } from './query';

/**
 * How deep a client's free-form value (runtime, requirements, design, …) may nest below its field.
 * BSON allows 100 levels per document, and every walk over a value (ours, the driver's, the
 * database's) recurses; 20,000 levels once overflowed the stack and answered 500.
 */
export const MAX_STORED_DEPTH = 64;

// Client-chosen keys (hyperparameter names like `optimizer.lr`, runtime keys, labels) may hold
// `.` and `$`, which the database reads as paths and operators. They are stored percent-escaped.
// A key `__proto__` is stored with its first `_` escaped: the driver would drop it from an object.
const PROTO = '__proto__';
export const escapeKey = (key: string) => (key === PROTO ? '%5F_proto__' : key.replace(/[%.$]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
export const unescapeKey = (key: string) => key.replace(/%(25|2E|24|5F)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/**
 * An array inside an array is stored wrapped in an object under this key, which no escaped client
 * key can be (`%` is escaped): MongoDB stores nested arrays, but the MongoDB-wire stand-in
 * (FerretDB 1.x) refuses them, which answered 500 for a runtime value like `[[1, 2]]`.
 */
const NESTED_ARRAY = '%5B';

function mapKeys(value: unknown, rename: (key: string) => string, leaf: (v: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => mapKeys(v, rename, leaf));
  if (!isPlainObject(value)) return leaf(value);
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === NESTED_ARRAY && Array.isArray(value[NESTED_ARRAY])) return mapKeys(value[NESTED_ARRAY], rename, leaf);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), mapKeys(v, rename, leaf)]));
}

function refuse(field: string, path: readonly string[], problem: string): never {
  const where = [field, ...path].join('.');
  throw new WardenError('ERR_STORED_VALUE', `${where.length > 120 ? `${where.slice(0, 120)}…` : where}: ${problem}`, { field });
}

/**
 * The stored form of one value: keys escaped, nested arrays wrapped, depth (as stored) bounded;
 * the walk stops at the limit, so it cannot overflow.
 */
function storedValue(value: unknown, field: string, path: string[], depth: number): unknown {
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (depth >= MAX_STORED_DEPTH) refuse(field, path.slice(0, 3), `nested deeper than ${MAX_STORED_DEPTH} levels`);
  if (Array.isArray(value)) {
    return value.map((v, i) =>
      Array.isArray(v) ? { [NESTED_ARRAY]: storedValue(v, field, [...path, String(i)], depth + 2) } : storedValue(v, field, [...path, String(i)], depth + 1),
    );
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => {
      // BSON field names are NUL-terminated: the database refuses them (once a 500).
      if (key.includes('\0')) refuse(field, path, 'an object key holds a NUL character');
      return [escapeKey(key), storedValue(v, field, [...path, key], depth + 1)];
    }),
  );
}

/** A client value of `field` made safe to store: every object key escaped; 400 ERR_STORED_VALUE naming the field when it nests too deep or a key holds a NUL. */
export function toStored<T>(value: T, field: string): T {
  return storedValue(value, field, [], 0) as T;
}

/** toStored for each field of a set of request fields (under `prefix`, e.g. `execution`), each checked and named on its own. */
export function toStoredFields<T extends Record<string, unknown>>(fields: T, prefix?: string): T {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, toStored(value, prefix ? `${prefix}.${key}` : key)])) as T;
}

/** A stored value as the API answers it: keys unescaped, nested arrays unwrapped, dates in ClearML's ISO form. */
export function fromStored(value: unknown): unknown {
  return mapKeys(value, unescapeKey, (v) => (v instanceof Date ? apiDate(v) : v));
}

export function isoDate(value: unknown): string | undefined {
  return value instanceof Date ? apiDate(value) : undefined;
}

/** Drops undefined entries so answers carry no key for an unset field. */
export function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
