/** The fileserver bench's sizes and helpers, shared by its sections. */
export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;
export const MB = 1e6;
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
export const BIG = env('WARDEN_BENCH_BIG_MIB', 1024) * MiB;
export const ROUNDS = Math.max(3, env('WARDEN_BENCH_ROUNDS', 3));
export const SECONDS = env('WARDEN_BENCH_SECONDS', 4);
export const FS_WORKERS = process.env.WARDEN_BENCH_FS_WORKERS ?? '2';

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
export const mbps = (bytes: number, ms: number) => bytes / MB / (ms / 1000);

export function fmt(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(2);
}
