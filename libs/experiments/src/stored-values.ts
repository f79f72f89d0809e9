import { isPlainObject } from './query';

// Client-chosen keys (hyperparameter names like `optimizer.lr`, runtime keys, labels) may hold
// `.` and `$`, which the database reads as paths and operators. They are stored percent-escaped.
const escapeKey = (key: string) => key.replace(/[%.$]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const unescapeKey = (key: string) => key.replace(/%(25|2E|24)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

function mapKeys(value: unknown, rename: (key: string) => string, leaf: (v: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => mapKeys(v, rename, leaf));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), mapKeys(v, rename, leaf)]));
  return leaf(value);
}

/** A client value made safe to store: every object key escaped. */
export function toStored<T>(value: T): T {
  return mapKeys(value, escapeKey, (v) => v) as T;
}

/** A stored value as the API answers it: keys unescaped, dates as ISO strings. */
export function fromStored(value: unknown): unknown {
  return mapKeys(value, unescapeKey, (v) => (v instanceof Date ? v.toISOString() : v));
}

export function isoDate(value: unknown): string | undefined {
  return value instanceof Date ? value.toISOString() : undefined;
}

/** Drops undefined entries so answers carry no key for an unset field. */
export function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
