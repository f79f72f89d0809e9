import { readFileSync } from 'node:fs';

/** Samples a process's resident set size (VmRSS) while `work` runs; returns the peak in bytes. */
export async function peakRss<T>(pid: number, work: () => Promise<T>, everyMs = 20): Promise<{ result: T; peakBytes: number }> {
  let peakKb = 0;
  const sample = () => {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match) peakKb = Math.max(peakKb, Number(match[1]));
  };
  sample();
  const timer = setInterval(sample, everyMs);
  try {
    const result = await work();
    sample();
    return { result, peakBytes: peakKb * 1024 };
  } finally {
    clearInterval(timer);
  }
}
