import { readFileSync } from 'node:fs';
import { cpuSecondsOf } from './cpu-time';
import { memoryOf, residentOnceBytes } from './process-memory';

/** A process and all its descendants now (a pool's primary and its workers, gunicorn's arbiter and workers). */
export function treePids(root: number): number[] {
  const pids = [root];
  for (let i = 0; i < pids.length; i++) {
    const children = readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, 'utf8').trim();
    if (children) pids.push(...children.split(' ').map(Number));
  }
  return pids;
}

/** Sums a figure over a process tree, skipping processes that ended since the tree was listed. */
function sumOver(root: number, figure: (pid: number) => number): number {
  let total = 0;
  for (const pid of treePids(root)) {
    try {
      total += figure(pid);
    } catch {
      // gone between the listing and the read
    }
  }
  return total;
}

export const treeCpuSeconds = (root: number) => sumOver(root, cpuSecondsOf);
export const treeRssBytes = (root: number) => sumOver(root, (pid) => memoryOf(pid).rssBytes);

/** The least time between two page-once measures (some 10 ms of CPU per process each). */
const ONCE_EVERY_MS = 100;

/**
 * Runs `work`, sampling the tree's summed RSS every `everyMs`; returns the peak in bytes, with
 * `pageOnce` the tree's memory with each page counted once at that peak (measured whenever the sum
 * reaches a new high, at most every 100 ms; undefined where page frames cannot be read), and the
 * CPU seconds the tree spent.
 */
export async function treeCost<T>(
  root: number,
  work: () => Promise<T>,
  { everyMs = 20, pageOnce = false } = {},
): Promise<{ result: T; peakRssBytes: number; peakOnceBytes?: number; cpuSeconds: number }> {
  let peakRssBytes = 0;
  let peakOnceBytes: number | undefined = pageOnce ? 0 : undefined;
  let onceAt = -Infinity;
  const sample = (last = false) => {
    const sum = treeRssBytes(root);
    if (sum <= peakRssBytes && !last) return;
    peakRssBytes = Math.max(peakRssBytes, sum);
    if (peakOnceBytes === undefined || (!last && performance.now() - onceAt < ONCE_EVERY_MS)) return;
    onceAt = performance.now();
    const once = residentOnceBytes(treePids(root));
    peakOnceBytes = once === undefined ? undefined : Math.max(peakOnceBytes, once);
  };
  const cpuBefore = treeCpuSeconds(root);
  sample();
  const timer = setInterval(sample, everyMs);
  try {
    const result = await work();
    sample(true);
    return { result, peakRssBytes, peakOnceBytes, cpuSeconds: treeCpuSeconds(root) - cpuBefore };
  } finally {
    clearInterval(timer);
  }
}
