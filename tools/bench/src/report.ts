import autocannon from 'autocannon';

export interface LoadResult {
  name: string;
  requestsPerSec: number;
  p99Ms: number;
  errors: number;
}

/** Drives one endpoint with autocannon for a fixed time; non-2xx answers count as errors. */
export async function load(name: string, options: autocannon.Options): Promise<LoadResult> {
  const result = await autocannon({ duration: 8, connections: 32, ...options });
  return { name, requestsPerSec: result.requests.average, p99Ms: result.latency.p99, errors: result.errors + result.non2xx };
}

export interface InterleavedResult extends LoadResult {
  /** requests/s of each round, in round order, for ratios between loads of the same round. */
  rounds: number[];
}

/**
 * Runs the loads in turn for several short rounds, reversing the order every other round, and keeps
 * each one's median round, so that a warming JIT or a noisy neighbour favours neither side.
 */
export async function interleavedLoads(loads: { name: string; options: autocannon.Options }[], rounds = 4, seconds = 4): Promise<InterleavedResult[]> {
  const results: LoadResult[][] = loads.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const order = [...loads.keys()];
    if (round % 2 === 1) order.reverse();
    for (const i of order) results[i].push(await load(loads[i].name, { duration: seconds, ...loads[i].options }));
  }
  return results.map((runs) => {
    const sorted = [...runs].sort((a, b) => a.requestsPerSec - b.requestsPerSec);
    const median = sorted[Math.floor(sorted.length / 2)];
    return { ...median, errors: runs.reduce((sum, r) => sum + r.errors, 0), rounds: runs.map((r) => r.requestsPerSec) };
  });
}

/** The median over rounds of `a`'s rate divided by `b`'s in the same round. */
export function medianRoundRatio(a: InterleavedResult, b: InterleavedResult): number {
  const ratios = a.rounds.map((value, i) => value / b.rounds[i]).sort((x, y) => x - y);
  return ratios[Math.floor(ratios.length / 2)];
}

/** One figure a line; with a baseline, either their ratio or, for sizes, their difference. */
export function printTable(rows: { name: string; value: string; baseline?: string; ratio?: string; difference?: string }[]): void {
  const width = Math.max(...rows.map((r) => r.name.length));
  const baselineWidth = Math.max(0, ...rows.map((r) => r.baseline?.length ?? 0));
  for (const row of rows) {
    const comparison = row.difference ? `difference ${row.difference}` : `ratio ${row.ratio}`;
    const extra = row.baseline ? `   baseline ${row.baseline.padStart(baselineWidth)}   ${comparison}` : '';
    console.log(`${row.name.padEnd(width)}  ${row.value.padStart(12)}${extra}`);
  }
}

export function checkTarget(label: string, ok: boolean, detail: string): boolean {
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${label}: ${detail}`);
  return ok;
}
