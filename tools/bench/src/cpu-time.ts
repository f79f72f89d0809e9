import { readFileSync } from 'node:fs';

// /proc reports CPU time in clock ticks; Linux's USER_HZ is 100 on every architecture Node runs on.
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces or parentheses: the fields after it start past its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** This process's CPU seconds so far: the bench's own client side. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

export interface CpuSpent<T> {
  result: T;
  /** CPU seconds the server process used during `work`. */
  server: number;
  /** CPU seconds this process (the client) used during `work`. */
  client: number;
}

/** Runs `work` and says how much CPU the server and this process each spent on it. */
export async function cpuSpent<T>(serverPid: number, work: () => Promise<T>): Promise<CpuSpent<T>> {
  const server = cpuSecondsOf(serverPid);
  const client = ownCpuSeconds();
  const result = await work();
  return { result, server: cpuSecondsOf(serverPid) - server, client: ownCpuSeconds() - client };
}
