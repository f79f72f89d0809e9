import { WardenError } from '@warden/errors';
import { portableRegex } from './portable-regex';

export type Filter = Record<string, unknown>;

/** clearml-server's mongo.max_page_size: a list answers at most this many items. */
export const MAX_PAGE_SIZE = 500;
export const MAX_PATTERN_LENGTH = 256;

/** A `name` filter: a regex, as the SDK looks names up (`^escaped\-name$`), case-insensitive like ClearML. */
export function patternFilter(field: string, pattern: string): Filter {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new WardenError('ERR_INVALID_REGEX', `${field} pattern is longer than ${MAX_PATTERN_LENGTH} characters`, { field });
  }
  return { [field]: { $regex: portableRegex(pattern, field), $options: 'i' } };
}

const OPERATORS: Record<string, '$and' | '$or'> = { __$all: '$and', __$and: '$and', __$any: '$or', __$or: '$or' };

/**
 * A tag list filter with clearml-server's syntax: values match any (OR); `-tag` or `__$not`, `tag`
 * excludes; `__$all`/`__$and` and `__$any`/`__$or` switch how the following values combine (the
 * first one also combines the groups); a null value also matches an empty list, or, for a field
 * that `holds` one value, an unset one.
 */
export function tagFilter(field: string, values: readonly (string | null)[], holds: 'list' | 'value' = 'list'): Filter {
  const groups = { $all: [] as string[], $in: [] as string[], $nin: [] as string[] };
  let context: '$and' | '$or' = '$or';
  let global: '$and' | '$or' | undefined;
  let negate = false;
  let legacyMinus = true;
  let allowEmpty = false;
  for (const value of values) {
    if (value === null) {
      allowEmpty = true;
      continue;
    }
    if (value === '__$not') {
      negate = true;
      continue;
    }
    const operator = OPERATORS[value];
    if (operator) {
      context = operator;
      global ??= operator;
      legacyMinus = false;
      continue;
    }
    if (value.startsWith('__$')) throw new WardenError('ERR_BAD_REQUEST', `${field}: unsupported operator ${value}`, { field });
    const excluded = negate || (legacyMinus && value.startsWith('-'));
    const tag = !negate && excluded ? value.slice(1) : value;
    if (!tag) throw new WardenError('ERR_BAD_REQUEST', `${field}: a tag is missing after the exclude prefix -`, { field });
    negate = false;
    if (excluded) groups.$nin.push(tag);
    else groups[context === '$and' ? '$all' : '$in'].push(tag);
  }
  const parts = Object.entries(groups)
    .filter(([, tags]) => tags.length > 0)
    .map(([op, tags]) => ({ [field]: { [op]: [...new Set(tags)] } }));
  const combined: Filter = parts.length === 1 ? parts[0] : parts.length > 1 ? { [global ?? '$and']: parts } : {};
  if (!allowEmpty) return combined;
  const unset = holds === 'list' ? [{ [field]: { $exists: false } }, { [field]: { $size: 0 } }] : [{ [field]: null }];
  return { $or: [...(parts.length ? [combined] : []), ...unset] };
}

/** Field paths in only_fields/order_by: dotted names, never operators. */
const FIELD_PATH = /^[A-Za-z_][\w-]*(\.[\w -]+)*$/;

function fieldPath(field: string, path: string): string {
  if (!FIELD_PATH.test(path)) throw new WardenError('ERR_BAD_REQUEST', `${field}: ${JSON.stringify(path)} is not a field path`, { field });
  return path === 'id' ? '_id' : path.startsWith('id.') ? `_${path}` : path;
}

/** order_by: `-` for descending; the id always ends the order so pages never overlap. */
export function sortSpec(orderBy: readonly string[] | undefined): Record<string, 1 | -1> {
  const sort: Record<string, 1 | -1> = {};
  for (const item of orderBy ?? []) {
    const descending = item.startsWith('-');
    sort[fieldPath('order_by', descending ? item.slice(1) : item)] = descending ? -1 : 1;
  }
  if (!('_id' in sort)) sort._id = 1;
  return sort;
}

export function paging(page: number | undefined, pageSize: number | undefined): { skip: number; limit: number } {
  if (page !== undefined && pageSize === undefined) {
    throw new WardenError('ERR_MISSING_FIELDS', 'page_size is required when page is requested', { field: 'page_size' });
  }
  const limit = Math.min(pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  // A page past any collection is merely empty, but the product must stay a number the database takes.
  return { skip: Math.min((page ?? 0) * limit, Number.MAX_SAFE_INTEGER), limit };
}

/** The database projection for only_fields: their top-level fields (nested ones are picked after). */
export function projection(onlyFields: readonly string[] | undefined): Record<string, 1> | undefined {
  if (!onlyFields?.length) return undefined;
  const top = onlyFields.map((path) => fieldPath('only_fields', path).split('.')[0]);
  return Object.fromEntries([...top, '_id'].map((field) => [field, 1 as const]));
}

/**
 * Keeps only the given dotted paths of an answer item (and its id), as a MongoDB projection (and so
 * ClearML's only_fields) does: a path keeps each parent object it passes through even when the leaf
 * is missing (`runtime.version` of a task whose runtime is {} answers `runtime: {}`), and it goes
 * into the objects of a list.
 */
export function pick(item: Record<string, unknown>, onlyFields: readonly string[] | undefined): Record<string, unknown> {
  if (!onlyFields?.length) return item;
  const picked: Record<string, unknown> = { id: item.id };
  for (const path of onlyFields) {
    const [head, ...rest] = path.split('.');
    const projected = own(item, head) === undefined ? undefined : projectPath(item[head], rest);
    if (projected !== undefined) picked[head] = head in picked ? merge(picked[head], projected) : projected;
  }
  return picked;
}

function projectPath(value: unknown, segments: readonly string[]): unknown {
  if (segments.length === 0) return value;
  if (Array.isArray(value)) return value.filter(isPlainObject).map((element) => projectPath(element, segments));
  // A path through a plain value projects to nothing.
  if (!isPlainObject(value)) return undefined;
  const [head, ...rest] = segments;
  const inner = own(value, head) === undefined ? undefined : projectPath(value[head], rest);
  return inner === undefined ? {} : { [head]: inner };
}

function merge(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return a.map((element, i) => merge(element, b[i]));
  if (!isPlainObject(a) || !isPlainObject(b)) return b;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return Object.fromEntries(keys.map((key) => [key, !Object.hasOwn(b, key) ? a[key] : Object.hasOwn(a, key) ? merge(a[key], b[key]) : b[key]]));
}

/** A key's own value: a client-chosen key like `__proto__` never reads the prototype. */
const own = (value: Record<string, unknown>, key: string): unknown => (Object.hasOwn(value, key) ? value[key] : undefined);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
