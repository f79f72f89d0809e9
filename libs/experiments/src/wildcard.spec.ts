import { matchesWildcard } from './wildcard';

describe('worker_pattern wildcards', () => {
  it.each([
    ['box:*', 'box:gpu-1', true],
    ['box:*', 'other:box:1', false],
    ['*gpu*', 'box:gpu-1', true],
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['b?x:1', 'box:1', true],
    ['b?x:1', 'bx:1', false],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'aXbYbZ', false],
    ['*.*', 'a.b', true],
    ['*.*', 'ab', false],
    ['a+b', 'a+b', true],
    ['a+b', 'aab', false],
    ['[ab]', 'a', false],
    ['**a**', 'xxa', true],
  ])('%s against %s is %s', (pattern, text, expected) => {
    expect(matchesWildcard(pattern, text)).toBe(expected);
  });

  it('answers many stars against a long id in linear-ish time, not exponential', () => {
    const started = performance.now();
    expect(matchesWildcard(`${'*a'.repeat(10)}*b`, 'a'.repeat(1024))).toBe(false);
    expect(matchesWildcard('*****b', 'a'.repeat(4096))).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
