import { readFileSync } from 'node:fs';
import { cpuSecondsOf } from './cpu-time';
import { memoryOf } from './process-memory';

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

/** Runs `work`, sampling the tree's summed RSS; the peak in bytes, and the CPU seconds the tree spent. */
export async function treeCost<T>(root: number, work: () => Promise<T>, everyMs = 20): Promise<{ result: T; peakRssBytes: number; cpuSeconds: number }> {
  let peakRssBytes = 0;
  const sample = () => void (peakRssBytes = Math.max(peakRssBytes, treeRssBytes(root)));
  const cpuBefore = treeCpuSeconds(root);
  sample();
  const timer = setInterval(sample, everyMs);
  try {
    const result = await work();
    sample();
    return { result, peakRssBytes, cpuSeconds: treeCpuSeconds(root) - cpuBefore };
  } finally {
    clearInterval(timer);
  }
}
