import { OwnershipCache } from './ownership-cache';

function counted(owned: Record<string, string[]>) {
  const asked: string[][] = [];
  return {
    asked,
    ownedTaskIds: async (company: string, ids: string[]) => {
      asked.push(ids);
      return new Set(ids.filter((id) => owned[company]?.includes(id)));
    },
  };
}

describe('OwnershipCache', () => {
  let clock = 0;
  const now = () => clock;

  it('asks once per task within the ttl, and again after it', async () => {
    clock = 0;
    const tasks = counted({ a: ['t1', 't2'] });
    const cache = new OwnershipCache(tasks, 1000, now);
    expect(await cache.ownedTaskIds('a', ['t1', 't2'])).toEqual(new Set(['t1', 't2']));
    clock = 999;
    expect(await cache.ownedTaskIds('a', ['t1', 't2'])).toEqual(new Set(['t1', 't2']));
    clock = 1000;
    await cache.ownedTaskIds('a', ['t1']);
    expect(tasks.asked).toEqual([['t1', 't2'], ['t1']]);
  });

  it('never remembers a task as owned that was not, nor across companies', async () => {
    clock = 0;
    const tasks = counted({ a: ['t1'] });
    const cache = new OwnershipCache(tasks, 1000, now);
    expect(await cache.ownedTaskIds('a', ['t1', 'tx'])).toEqual(new Set(['t1']));
    expect(await cache.ownedTaskIds('a', ['tx'])).toEqual(new Set());
    expect(await cache.ownedTaskIds('b', ['t1'])).toEqual(new Set());
    expect(tasks.asked).toEqual([['t1', 'tx'], ['tx'], ['t1']]);
  });

  it('asks again for a task it was told to forget', async () => {
    clock = 0;
    const tasks = counted({ a: ['t1'] });
    const cache = new OwnershipCache(tasks, 1000, now);
    await cache.ownedTaskIds('a', ['t1']);
    cache.forget('a', 't1');
    await cache.ownedTaskIds('a', ['t1']);
    expect(tasks.asked).toEqual([['t1'], ['t1']]);
  });

  it('sweeps expired entries instead of growing without bound', async () => {
    clock = 0;
    const ids = Array.from({ length: 10_000 }, (_, i) => `t${i}`);
    const tasks = counted({ a: [...ids, 'late'] });
    const cache = new OwnershipCache(tasks, 1000, now);
    await cache.ownedTaskIds('a', ids);
    clock = 5000;
    await cache.ownedTaskIds('a', ['late']);
    expect(cache.remembered).toBe(1);
  });
});
