import { z, type ZodTypeAny } from 'zod';
import { isObject, type ConfigValue } from './hocon/parse';
import { splitPath } from './layered-tree';

/**
 * Which keys an app answers for when it warns about keys nobody reads. One environment feeds every
 * service and ClearML's files carry sections Warden never reads, so an app only looks inside its own.
 */
export interface KeyScope {
  /** Sections whose keys this app reads (`fileserver`, `apiserver.auth`). */
  owned: readonly string[];
  /** Subtrees inside them another service reads: left to that service's check. */
  readElsewhere?: readonly string[];
  /** Schemas of keys other services read inside the owned sections; only their shape is used. */
  alsoRead?: readonly ZodTypeAny[];
}

/** The app's own section: `auth-gateway` owns `auth_gateway`. */
export function defaultKeyScope(app: string): KeyScope {
  return { owned: [app.replace(/-/g, '_')] };
}

export interface UnknownKey {
  path: string;
  /** A key read at the same place and a few typos away, when there is one. */
  suggestion?: string;
}

type Reader = { kind: 'open' } | { kind: 'leaf' } | { kind: 'object'; keys: Map<string, ZodTypeAny> } | { kind: 'list'; item: ZodTypeAny };

/** Sees through wrappers to what a schema reads at its level; unions and intersections read the union of their parts. */
function readers(schema: ZodTypeAny): Reader[] {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodCatch) return readers(schema._def.innerType as ZodTypeAny);
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return readers(schema.unwrap() as ZodTypeAny);
  if (schema instanceof z.ZodEffects) return readers(schema.innerType() as ZodTypeAny);
  if (schema instanceof z.ZodPipeline) return readers(schema._def.in as ZodTypeAny);
  if (schema instanceof z.ZodBranded) return readers(schema.unwrap() as ZodTypeAny);
  if (schema instanceof z.ZodReadonly) return readers(schema._def.innerType as ZodTypeAny);
  if (schema instanceof z.ZodLazy) return readers(schema.schema as ZodTypeAny);
  if (schema instanceof z.ZodUnion) return (schema.options as ZodTypeAny[]).flatMap(readers);
  if (schema instanceof z.ZodIntersection) return [...readers(schema._def.left as ZodTypeAny), ...readers(schema._def.right as ZodTypeAny)];
  if (schema instanceof z.ZodArray) return [{ kind: 'list', item: schema.element as ZodTypeAny }];
  if (schema instanceof z.ZodObject) {
    const open = schema._def.unknownKeys === 'passthrough' || !(schema._def.catchall instanceof z.ZodNever);
    return [open ? { kind: 'open' } : { kind: 'object', keys: new Map(Object.entries(schema.shape as Record<string, ZodTypeAny>)) }];
  }
  if (schema instanceof z.ZodRecord || schema instanceof z.ZodAny || schema instanceof z.ZodUnknown) return [{ kind: 'open' }];
  return [{ kind: 'leaf' }];
}

/** The schemas that read `key` below the given ones; undefined when one of them accepts any key. */
function childSchemas(schemas: readonly ZodTypeAny[], key: string): ZodTypeAny[] | undefined {
  const out: ZodTypeAny[] = [];
  for (const reader of schemas.flatMap(readers)) {
    if (reader.kind === 'open') return undefined;
    if (reader.kind === 'object' && reader.keys.has(key)) out.push(reader.keys.get(key)!);
  }
  return out;
}

function siblingKeys(schemas: readonly ZodTypeAny[]): string[] {
  return schemas.flatMap(readers).flatMap((r) => (r.kind === 'object' ? [...r.keys.keys()] : []));
}

/** Keys set inside the owned sections that no schema reads, in tree order. */
export function findUnknownKeys(root: ConfigValue, schemas: readonly ZodTypeAny[], scope: KeyScope): UnknownKey[] {
  const skipped = new Set(scope.readElsewhere ?? []);
  const all = [...schemas, ...(scope.alsoRead ?? [])];
  const found: UnknownKey[] = [];

  const walk = (value: ConfigValue, at: readonly ZodTypeAny[], path: string): void => {
    if (skipped.has(path)) return;
    if (Array.isArray(value)) {
      const items = at.flatMap(readers).flatMap((r) => (r.kind === 'list' ? [r.item] : []));
      if (items.length) value.forEach((item, i) => walk(item, items, `${path}.${i}`));
      return;
    }
    // A value where the schema wants a scalar is the validator's to report.
    if (!isObject(value) || !at.flatMap(readers).some((r) => r.kind === 'object' || r.kind === 'open')) return;
    for (const [key, child] of Object.entries(value)) {
      const childPath = `${path}.${key}`;
      const next = childSchemas(at, key);
      if (next === undefined) return;
      if (next.length) walk(child, next, childPath);
      else if (!skipped.has(childPath)) found.push({ path: childPath, suggestion: suggest(key, siblingKeys(at), path) });
    }
  };

  for (const section of scope.owned) {
    let value: ConfigValue | undefined = root;
    let at: ZodTypeAny[] | undefined = all;
    for (const segment of splitPath(section)) {
      value = isObject(value) ? value[segment] : undefined;
      at = at && childSchemas(at, segment);
    }
    // An owned section no schema reads at all holds only unknown keys.
    if (value !== undefined && at) walk(value, at.length ? at : [z.object({})], section);
  }
  return found;
}

/** The closest known key when it is a typo away: at most 2 edits, and fewer than half the key. */
function suggest(key: string, known: readonly string[], parent: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (distance <= 2 && distance * 2 < name.length && (!best || distance < best.distance)) best = { name, distance };
  }
  return best && `${parent}.${best.name}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
