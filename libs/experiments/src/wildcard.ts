/**
 * Whether text matches a worker_pattern as ClearML reads it: `*` any run, `?` one character, all
 * else literal. Greedy, going back only to the last `*`: at worst pattern × text steps, where a
 * regex with several `.*` backtracks into time that grows with the text to the power of the stars.
 */
export function matchesWildcard(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
