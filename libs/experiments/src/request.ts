import { z, type ZodRawShape, type ZodTypeAny } from 'zod';
import { WardenError } from '@warden/errors';

type AnyObject = z.ZodObject<ZodRawShape>;

/** Every SDK request body carries its request object's `"method": "get"`; it is no field of any endpoint. */
const SDK_METHOD = 'method';

/** The top-level fields of a body the schema does not know (the SDK's `method` aside). */
export function unknownFields(schema: AnyObject, data: unknown): string[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [];
  return Object.keys(data).filter((key) => key !== SDK_METHOD && !Object.hasOwn(schema.shape, key));
}

/**
 * Parses one call's data. An unknown top-level field is a 400 naming it (ClearML's validation
 * error), never dropped: a filter or a value the server ignored would silently be lost. The SDK's
 * `method` is ignored. Inside free-form documents unknown keys are dropped as before. A wrong type
 * or a missing required field is a 400 naming the field.
 */
export function parseRequest<S extends AnyObject>(schema: S, data: unknown): z.output<S> {
  const unknown = unknownFields(schema, data);
  if (unknown.length) throw unknownFieldError(unknown);
  return parseKnown(schema, data);
}

export function unknownFieldError(fields: readonly string[]): WardenError {
  const names = fields.slice(0, 5).join(', ');
  return new WardenError('ERR_UNKNOWN_FIELD', `unknown field${fields.length > 1 ? 's' : ''}: ${names}`, { field: fields[0], fields: fields.slice(0, 20) });
}

/** Parses the fields the schema knows; the others are the caller's business (get_all's field filters). */
export function parseKnown<S extends ZodTypeAny>(schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.join('.') || 'request';
  if (issue.code === 'invalid_type' && issue.received === 'undefined') {
    throw new WardenError('ERR_MISSING_FIELDS', `${field} is required`, { field });
  }
  throw new WardenError('ERR_BAD_REQUEST', `${field}: ${issue.message}`, { field });
}

// The SDK leaves unset fields out; other clients send null for them. Both mean "not given".
const optional = <T extends ZodTypeAny>(schema: T) => schema.nullish().transform((v): z.output<T> | undefined => v ?? undefined);

const MAX_STRING = 64 * 1024;
const MAX_LIST = 1000;

/** An object id as the client sends it; ours are 32 hex digits, but any unknown id is simply not found. */
export const id = z.string().min(1, 'must not be empty').max(128);
export const text = z.string().max(MAX_STRING);
export const tagList = z.array(z.string().max(256)).max(MAX_LIST);
/** Query-string callers send booleans and integers as text. */
export const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
// Safe integers only: 1e308 is an integer to JavaScript, and a page that large once reached the database as infinity.
export const int = z
  .union([
    z.number().int(),
    z
      .string()
      .regex(/^-?\d+$/, 'must be an integer')
      .transform(Number),
  ])
  .pipe(z.number().safe('must be an integer between -(2^53 - 1) and 2^53 - 1'));
/** Filters accept one value or a list, as clearml-server does. */
const listOf = (max: number) => z.union([z.string().max(1024), z.array(z.string().max(1024)).max(max)]).transform((v) => (Array.isArray(v) ? v : [v]));
export const stringList = listOf(MAX_LIST);
/** MongoDB sorts on at most 32 keys (40 once answered 500); the id always ends the order. */
export const MAX_ORDER_BY = 16;
/** Free-form documents (script, execution, runtime, …): stored as given, keys escaped. */
export const json = z.record(z.unknown());

export const opt = {
  id: optional(id),
  text: optional(text),
  tags: optional(tagList),
  flag: optional(flag),
  int: optional(int),
  list: optional(stringList),
  json: optional(json),
  of: optional,
  /** A field the SDK may send that Warden accepts and does not use (each use says why): parsed to undefined, never stored. */
  ignored: z.unknown().transform((): undefined => undefined),
};

/** Tag filters may hold null: "or no tags at all". */
const tagQuery = z.array(z.string().max(256).nullable()).max(MAX_LIST);

/**
 * _all_/_and_ and _any_/_or_: a pattern that all (any) of the fields match, or dates with >=/>/<=/<
 * prefixes (the SDK's TriggerScheduler asks `_or_: {fields: [last_update, last_change], datetime: [">…"]}`).
 */
const multiFieldSearch = z
  .object({
    fields: z.array(z.string().max(256)).min(1).max(50),
    pattern: opt.of(z.string().max(1024)),
    datetime: opt.of(z.union([z.string().max(64), z.array(z.string().max(64)).max(10)])),
  })
  .strict()
  .refine((search) => (search.pattern === undefined) !== (search.datetime === undefined), 'exactly one of pattern and datetime is required');

/** The filters, paging, ordering and projection every get_all takes (field filters: field-filters.ts). */
export const listFields = {
  search_text: opt.of(z.string().max(256)),
  _all_: opt.of(multiFieldSearch),
  _and_: opt.of(multiFieldSearch),
  _any_: opt.of(multiFieldSearch),
  _or_: opt.of(multiFieldSearch),
  id: opt.list,
  name: opt.text,
  tags: opt.of(tagQuery),
  system_tags: opt.of(tagQuery),
  only_fields: opt.of(z.array(z.string().max(256)).max(200)),
  order_by: opt.of(listOf(MAX_ORDER_BY)),
  page: opt.of(int.pipe(z.number().min(0))),
  page_size: opt.of(int.pipe(z.number().min(1))),
  search_hidden: opt.flag,
};

export type ListRequest = z.output<z.ZodObject<typeof listFields>>;
