import { compact, fromStored, toStored } from './stored-values';

describe('stored values', () => {
  it('escapes the keys the database would read as paths or operators, and restores them', () => {
    const value = { 'optimizer.lr': { $gt: 1, '100%': ['a.b', { 'x.y': 1 }] }, plain: 'v.w' };
    const stored = toStored(value);
    expect(JSON.stringify(stored)).not.toMatch(/"[^"]*[.$][^"]*":/);
    expect(stored).toEqual({ 'optimizer%2Elr': { '%24gt': 1, '100%25': ['a.b', { 'x%2Ey': 1 }] }, plain: 'v.w' });
    expect(fromStored(stored)).toEqual(value);
    expect(fromStored(toStored({ '%2E': 1 }))).toEqual({ '%2E': 1 });
  });

  it('answers dates as ISO strings and drops unset fields', () => {
    expect(fromStored({ at: new Date(0) })).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(compact({ a: 1, b: undefined, c: null })).toEqual({ a: 1, c: null });
  });
});
