import { readFileSync } from 'node:fs';

/** A process's resident set now (VmRSS) and at its highest so far (VmHWM), in bytes. */
export function memoryOf(pid: number): { rssBytes: number; hwmBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rssBytes: kb('VmRSS') * 1024, hwmBytes: kb('VmHWM') * 1024 };
}

/** Samples a process's resident set size (VmRSS) while `work` runs; returns the peak in bytes. */
export async function peakRss<T>(pid: number, work: () => Promise<T>, everyMs = 20): Promise<{ result: T; peakBytes: number }> {
  let peakBytes = 0;
  const sample = () => {
    peakBytes = Math.max(peakBytes, memoryOf(pid).rssBytes);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  try {
    const result = await work();
    sample();
    return { result, peakBytes };
  } finally {
    clearInterval(timer);
  }
}
