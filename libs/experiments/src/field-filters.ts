import { z } from 'zod';
import { WardenError } from '@warden/errors';
import { portableRegex } from './portable-regex';
import { patternFilter, tagFilter, type Filter } from './query';
import { parseKnown, unknownFields, type ListRequest } from './request';
import { escapeKey, unescapeKey } from './stored-values';

// get_all's field filters, as clearml-server's GetMixin reads the keys a get_all schema does not
// name: list filters (a value or a list, tag syntax), [min, max] ranges, dates with >=/>/<=/<
// prefixes, patterns and plain equality, per collection. Any other key is refused, never ignored:
// an ignored filter answers unfiltered results. Client values are scalars only: an object (an
// operator like {"$regex": …} or {"$where": …}) is refused before it reaches a query.

export type Collection = 'tasks' | 'models' | 'projects';
type Kind = 'list' | 'range' | 'dates' | 'pattern' | 'equal';

interface Rule {
  kind: Kind;
  /** Client-keyed parts after the field (hyperparams.<section>.<name>.<value|type|…>), stored escaped. */
  keyed?: { parts: number; last?: readonly string[] };
  /** Values of this field are stored as text: a number or boolean matches its text. */
  text?: boolean;
}

const PARAM_FIELDS = ['value', 'type', 'description', 'section', 'name'];
// last_metrics.<metric hash>.<variant hash>.<one of these> (the SDK's TaskTrigger thresholds).
const METRIC_VALUES = ['value', 'min_value', 'max_value'];
const RULES: Record<Collection, Record<string, Rule>> = {
  tasks: {
    hyperparams: { kind: 'list', keyed: { parts: 3, last: PARAM_FIELDS }, text: true },
    'execution.queue': { kind: 'list' },
    'models.input.model': { kind: 'list' },
    created: { kind: 'range' },
    started: { kind: 'range' },
    active_duration: { kind: 'range' },
    last_iteration: { kind: 'range' },
    last_metrics: { kind: 'range', keyed: { parts: 3, last: METRIC_VALUES } },
    status_changed: { kind: 'dates' },
    last_update: { kind: 'dates' },
    last_change: { kind: 'dates' },
    comment: { kind: 'pattern' },
    runtime: { kind: 'equal', keyed: { parts: 1 } },
  },
  models: {
    metadata: { kind: 'list', keyed: { parts: 2, last: ['value', 'type', 'key'] }, text: true },
    parent: { kind: 'list' },
    created: { kind: 'range' },
    last_iteration: { kind: 'range' },
    last_metrics: { kind: 'range', keyed: { parts: 3, last: METRIC_VALUES } },
    last_update: { kind: 'dates' },
    last_change: { kind: 'dates' },
    comment: { kind: 'pattern' },
  },
  projects: {
    basename: { kind: 'pattern' },
    description: { kind: 'pattern' },
    created: { kind: 'range' },
    last_update: { kind: 'dates' },
  },
};

// Fields search_text looks in (clearml-server's text indexes), matched as a case-insensitive substring.
const SEARCHED: Record<Collection, readonly string[]> = {
  tasks: ['name', '_id', 'comment', 'models.input.model', 'models.output.model', 'script.repository', 'script.entry_point'],
  models: ['name', '_id', 'comment'],
  projects: ['name', 'basename', 'description'],
};
const DATE_FIELDS = new Set(['created', 'started', 'status_changed', 'last_update', 'last_change']);
// Stored as dates, numbers or booleans: a pattern of _all_/_any_ cannot match them.
const NOT_TEXT = new Set([...DATE_FIELDS, 'completed', 'published', 'last_worker_report', 'last_iteration', 'active_duration', 'ready']);

const MAX_VALUES = 1000;
const scalar = z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]);
const values = z.union([scalar, z.array(scalar).max(MAX_VALUES)]);
const MULTI_FIELD = [
  ['_all_', '$and'],
  ['_and_', '$and'],
  ['_any_', '$or'],
  ['_or_', '$or'],
] as const;
type Search = Pick<ListRequest, 'search_text' | (typeof MULTI_FIELD)[number][0]>;
type MultiField = NonNullable<ListRequest['_all_']>;

function refuse(key: string, problem: string): never {
  throw new WardenError('ERR_UNSUPPORTED_FILTER', `${key}: ${problem}`, { field: key });
}

/** A field's rule; own entries only, so a key like `constructor` is no rule. */
const ruleOf = (collection: Collection, field: string): Rule | undefined => (Object.hasOwn(RULES[collection], field) ? RULES[collection][field] : undefined);

/** The rule and stored path of a filter key, or undefined when the collection has no such filter. */
function resolve(collection: Collection, key: string): { rule: Rule; path: string } | undefined {
  const parts = key.split('.');
  for (let n = parts.length; n > 0; n--) {
    const rule = ruleOf(collection, parts.slice(0, n).join('.'));
    if (!rule) continue;
    const rest = parts.slice(n);
    if (!rule.keyed) return rest.length ? undefined : { rule, path: key };
    if (rest.length !== rule.keyed.parts) return undefined;
    if (rule.keyed.last && !rule.keyed.last.includes(rest[rest.length - 1])) return undefined;
    // Clients send a dot inside a name as %2E (ClearML's partial escaping); stored keys are escaped in full.
    const keyed = rest.map((part, i) => (rule.keyed?.last && i === rest.length - 1 ? part : escapeKey(unescapeKey(part))));
    if (keyed.some((part) => !part)) return undefined;
    return { rule, path: [...parts.slice(0, n), ...keyed].join('.') };
  }
  return undefined;
}

/** Whether `key` is a field filter of that collection's get_all. */
export function isFieldFilter(collection: Collection, key: string): boolean {
  return resolve(collection, key) !== undefined;
}

function parsedValues(key: string, raw: unknown): (string | number | boolean | null)[] {
  const result = values.safeParse(raw);
  if (!result.success) refuse(key, 'must be a value or a list of values (strings, numbers, booleans or null)');
  return Array.isArray(result.data) ? result.data : [result.data];
}

function dateOf(key: string, value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) refuse(key, `${JSON.stringify(value.slice(0, 40))} is not a date`);
  return date;
}

/** A range bound: dates for date fields, numbers (or numeric text) for the others. */
function bound(key: string, field: string, value: string | number | boolean | null): Date | number | null {
  if (value === null) return null;
  if (DATE_FIELDS.has(field)) return dateOf(key, String(value));
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(number)) refuse(key, `${JSON.stringify(value)} is not a number`);
  return number;
}

/** [min, max], both included; a missing min also matches an unset field (as ClearML's range filters do). */
function rangeFilter(key: string, path: string, field: string, raw: unknown): Filter {
  const given = parsedValues(key, raw);
  if (!Array.isArray(raw) || given.length !== 2) refuse(key, 'a range is a list of two values, [min, max]');
  const [min, max] = given.map((value) => bound(key, field, value));
  if (min === null && max === null) refuse(key, 'at least one of min and max is required');
  const range = { ...(min !== null && { $gte: min }), ...(max !== null && { $lte: max }) };
  return min === null ? { $or: [{ [path]: range }, { [path]: null }] } : { [path]: range };
}

const DATE_OPERATORS: [string, string][] = [
  ['>=', '$gte'],
  ['<=', '$lte'],
  ['>', '$gt'],
  ['<', '$lt'],
];

/** Dates: two plain values are a range; otherwise each value is a date with a comparison prefix (none: equal). */
function datesFilter(key: string, path: string, raw: unknown): Filter {
  const given = parsedValues(key, raw);
  const prefixed = given.some((v) => typeof v === 'string' && DATE_OPERATORS.some(([p]) => v.startsWith(p)));
  if (Array.isArray(raw) && given.length === 2 && !prefixed) return rangeFilter(key, path, path, raw);
  if (given.length === 0) refuse(key, 'a date filter needs at least one date');
  const conditions: Record<string, Date> = {};
  for (const value of given) {
    if (typeof value !== 'string') refuse(key, 'a date filter is a date text, optionally prefixed with >=, >, <= or <');
    const [prefix, operator] = DATE_OPERATORS.find(([p]) => value.startsWith(p)) ?? ['', '$eq'];
    conditions[operator] = dateOf(key, value.slice(prefix.length));
  }
  return { [path]: conditions };
}

function listFilter(key: string, path: string, rule: Rule, raw: unknown): Filter {
  const given = parsedValues(key, raw);
  const texts = given.map((value) => {
    if (value === null || typeof value === 'string') return value;
    if (rule.text) return String(value);
    refuse(key, 'values of this filter are texts');
  });
  return tagFilter(path, texts, 'value');
}

function fieldFilter(collection: Collection, key: string, raw: unknown): Filter {
  const resolved = resolve(collection, key);
  if (!resolved) refuse(key, `not a supported ${collection} filter`);
  const { rule, path } = resolved;
  switch (rule.kind) {
    case 'list':
      return listFilter(key, path, rule, raw);
    case 'range':
      return rangeFilter(key, path, path.split('.')[0], raw);
    case 'dates':
      return datesFilter(key, path, raw);
    case 'pattern':
      if (typeof raw !== 'string') refuse(key, 'a pattern is a text');
      return patternFilter(path, raw);
    case 'equal': {
      const given = parsedValues(key, raw);
      if (Array.isArray(raw)) refuse(key, 'an equality filter takes one value');
      return { [path]: given[0] };
    }
  }
}

/** A field of _all_/_any_: any field path, hyperparams/metadata/runtime ones mapped onto their stored keys. */
function multiFieldPath(collection: Collection, key: string, field: string): string {
  if (!/^[A-Za-z][\w-]*(\.[^.$\0]+)*$/.test(field)) refuse(key, `${JSON.stringify(field.slice(0, 60))} is not a field path`);
  const resolved = resolve(collection, field);
  if (resolved) return resolved.path;
  const [top, ...rest] = field.split('.');
  return [top === 'id' ? '_id' : top, ...rest.map((part) => escapeKey(unescapeKey(part)))].join('.');
}

/** One field's condition of _all_/_any_: the pattern, or the dates (date fields only). */
function multiFieldCondition(collection: Collection, key: string, multi: MultiField, field: string): Filter {
  if (multi.pattern !== undefined) {
    if (NOT_TEXT.has(field)) refuse(key, `${field} is not a text field; a pattern matches text fields`);
    return { [multiFieldPath(collection, key, field)]: { $regex: portableRegex(multi.pattern, `${key}.pattern`), $options: 'i' } };
  }
  if (ruleOf(collection, field)?.kind !== 'dates') refuse(key, `${JSON.stringify(field.slice(0, 60))} is not a date field`);
  return datesFilter(key, field, multi.datetime);
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** search_text, _all_/_and_ and _any_/_or_ of a get_all request. */
export function searchFilters(collection: Collection, request: Search): Filter[] {
  const filters: Filter[] = [];
  if (request.search_text) {
    const regex = { $regex: escapeRegex(request.search_text), $options: 'i' };
    filters.push({ $or: SEARCHED[collection].map((field) => ({ [field]: regex })) });
  }
  for (const [key, operator] of MULTI_FIELD) {
    const multi = request[key];
    if (multi) filters.push({ [operator]: multi.fields.map((field) => multiFieldCondition(collection, key, multi, field)) });
  }
  return filters;
}

/**
 * A get_all request: the fields its schema names, and the filters of everything else (the field
 * filters, search_text, _all_, _any_); 400 ERR_UNSUPPORTED_FILTER naming the first key no filter reads.
 */
export function parseListRequest<S extends z.ZodObject<z.ZodRawShape>>(
  collection: Collection,
  schema: S,
  data: unknown,
): { request: z.output<S>; filters: Filter[] } {
  const request = parseKnown(schema, data);
  const body = data as Record<string, unknown>;
  const filters = [...searchFilters(collection, request), ...unknownFields(schema, data).map((key) => fieldFilter(collection, key, body[key]))];
  return { request, filters };
}
