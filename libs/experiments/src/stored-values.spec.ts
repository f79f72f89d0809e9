import { WardenError } from '@warden/errors';
import { MAX_STORED_DEPTH, compact, fromStored, toStored, toStoredFields } from './stored-values';

describe('stored values', () => {
  it('escapes the keys the database would read as paths or operators, and restores them', () => {
    const value = { 'optimizer.lr': { $gt: 1, '100%': ['a.b', { 'x.y': 1 }] }, plain: 'v.w' };
    const stored = toStored(value, 'f');
    expect(JSON.stringify(stored)).not.toMatch(/"[^"]*[.$][^"]*":/);
    expect(stored).toEqual({ 'optimizer%2Elr': { '%24gt': 1, '100%25': ['a.b', { 'x%2Ey': 1 }] }, plain: 'v.w' });
    expect(fromStored(stored)).toEqual(value);
    expect(fromStored(toStored({ '%2E': 1 }, 'f'))).toEqual({ '%2E': 1 });
  });

  it('answers dates as ISO strings and drops unset fields', () => {
    expect(fromStored({ at: new Date(0) })).toEqual({ at: '1970-01-01T00:00:00.000000+00:00' });
    expect(compact({ a: 1, b: undefined, c: null })).toEqual({ a: 1, c: null });
  });

  const refusal = (store: () => unknown) => {
    try {
      store();
      return 'stored';
    } catch (error) {
      return error instanceof WardenError ? [error.code, error.data.field] : String(error);
    }
  };
  const nestedArrays = (depth: number) => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  };
  const nested = (depth: number) => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = i % 2 ? { a: value } : [value];
    return value;
  };

  it('refuses values nested deeper than the limit without walking them to the end, naming the field', () => {
    expect(refusal(() => toStored(nested(MAX_STORED_DEPTH), 'runtime'))).toBe('stored');
    expect(refusal(() => toStored(nested(MAX_STORED_DEPTH + 1), 'runtime'))).toEqual(['ERR_STORED_VALUE', 'runtime']);
    // Deep enough to overflow the stack of a walk that does not stop.
    expect(refusal(() => toStored(nested(200_000), 'runtime'))).toEqual(['ERR_STORED_VALUE', 'runtime']);
    expect(refusal(() => toStoredFields({ parameters: { ok: 1 }, model_desc: nested(100) }, 'execution'))).toEqual([
      'ERR_STORED_VALUE',
      'execution.model_desc',
    ]);
  });

  it('stores arrays inside arrays wrapped, and answers them as given', () => {
    const value = { table: [[1, [2, ['x']]], []], '%5B': [[3]], '[': 1 };
    const stored = toStored(value, 'runtime');
    expect(JSON.stringify(stored)).not.toMatch(/\[\s*\[/);
    expect(fromStored(stored)).toEqual(value);
  });

  it('counts each wrapped array as two levels, as the database does', () => {
    expect(refusal(() => toStored(nestedArrays(MAX_STORED_DEPTH / 2), 'runtime'))).toBe('stored');
    expect(refusal(() => toStored(nestedArrays(MAX_STORED_DEPTH / 2 + 1), 'runtime'))).toEqual(['ERR_STORED_VALUE', 'runtime']);
  });

  it('refuses a NUL in an object key at any depth, but keeps one in a value', () => {
    expect(refusal(() => toStoredFields({ hyperparams: { s: { 'p\0': {} } } }))).toEqual(['ERR_STORED_VALUE', 'hyperparams']);
    expect(refusal(() => toStored([{ ok: 'a\0b' }], 'runtime'))).toBe('stored');
  });

  it('stores a __proto__ key under an escaped name the driver keeps, and answers it as given', () => {
    const value = JSON.parse('{"__proto__": {"a": 1}, "%5F_proto__": 2, "_x": 3}') as Record<string, unknown>;
    const stored = toStored<Record<string, unknown>>(value, 'runtime');
    expect(Object.keys(stored)).toEqual(['%5F_proto__', '%255F_proto__', '_x']);
    expect(JSON.stringify(fromStored(stored))).toBe(JSON.stringify(value));
  });
});
