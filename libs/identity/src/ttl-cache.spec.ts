import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1000));

  it('returns entries until they expire', () => {
    const cache = new TtlCache<string, number>(100, 10, clock);
    cache.set('a', 1);
    now += 99;
    expect(cache.get('a')).toBe(1);
    now += 1;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the oldest write when full', () => {
    const cache = new TtlCache<string, number>(100, 2, clock);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    cache.set('c', 4);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([3, undefined, 4]);
    expect(cache.size).toBe(2);
  });

  it('deletes by key and by predicate', () => {
    const cache = new TtlCache<string, { user: string }>(100, 10, clock);
    cache.set('k1', { user: 'u1' });
    cache.set('k2', { user: 'u2' });
    cache.set('k3', { user: 'u1' });
    cache.delete('k2');
    expect(cache.get('k2')).toBeUndefined();
    cache.deleteWhere((v) => v.user === 'u1');
    expect(cache.size).toBe(0);
  });

  it('stores nothing with a zero ttl', () => {
    const cache = new TtlCache<string, number>(0, 10, clock);
    cache.set('a', 1);
    expect(cache.get('a')).toBeUndefined();
  });
});
