import type { BackendName } from './backends';
import type { Outcome } from './http';
import type { RevocationCheck } from './revocations';
import type { WriteCheck } from './verify';
import { OPS, type Op, type Sample } from './workload';

export interface Recovery {
  backend: BackendName;
  outageMs: number;
  /** Per kind of request: ms from the backend's return to the end of its first success; undefined if not within the limit. */
  byOp?: Record<string, number>;
}

const COLUMNS: Array<{ name: string; matches: (o: Outcome) => boolean }> = [
  { name: '200', matches: (o) => o === 200 },
  { name: '503', matches: (o) => o === 503 },
  { name: '401', matches: (o) => o === 401 },
  { name: 'other 4xx', matches: (o) => typeof o === 'number' && o >= 400 && o < 500 && o !== 401 },
  { name: 'other 5xx', matches: (o) => typeof o === 'number' && o >= 500 && o !== 503 },
  { name: 'conn', matches: (o) => o === 'conn' },
  { name: 'timeout', matches: (o) => o === 'timeout' },
];

function table(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`${title}\n${line(header)}`);
  for (const row of rows) console.log(line(row));
  console.log('');
}

function countRow(label: string, samples: Sample[]): string[] {
  const ms = samples.map((s) => s.end - s.start).sort((a, b) => a - b);
  const p99 = ms.length ? ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.99))] : 0;
  return [label, String(samples.length), ...COLUMNS.map((c) => String(samples.filter((s) => c.matches(s.outcome)).length)), `${p99.toFixed(0)} ms`];
}

/** Requests per phase and per kind, by outcome. */
export function printOutcomes(samples: Sample[]): void {
  const header = ['', 'requests', ...COLUMNS.map((c) => c.name), 'p99'];
  const phases = [...new Set(samples.map((s) => s.phase))];
  table(
    'requests by phase (the phase a request was sent in)',
    ['phase', ...header.slice(1)],
    phases.map((p) =>
      countRow(
        p,
        samples.filter((s) => s.phase === p),
      ),
    ),
  );
  table(
    'requests by kind',
    ['kind', ...header.slice(1)],
    OPS.map((op) =>
      countRow(
        op,
        samples.filter((s) => s.op === op),
      ),
    ),
  );
  const failing = (op: Op, phase: string) => samples.filter((s) => s.op === op && s.phase === phase && s.outcome !== 200).length;
  const outagePhases = phases.filter((p) => p.endsWith(' down'));
  table(
    'failed requests during each outage, by kind',
    ['kind', ...outagePhases],
    OPS.map((op) => [op, ...outagePhases.map((p) => String(failing(op, p)))]),
  );
}

export function printRecoveries(recoveries: Recovery[]): void {
  const seconds = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);
  table(
    "recovery: from the backend's return to the first success of each kind of request",
    ['backend', 'outage', ...OPS, 'all'],
    recoveries.map((r) => [
      r.backend,
      seconds(r.outageMs),
      ...OPS.map((op) => seconds(r.byOp?.[op])),
      r.byOp ? seconds(Math.max(...Object.values(r.byOp))) : 'NOT RECOVERED',
    ]),
  );
}

export function printRevocations(revocations: Array<{ backend: BackendName; before: RevocationCheck[]; after: RevocationCheck[] }>): void {
  const rows = revocations.flatMap((r) =>
    r.before.map((check, i) => {
      const after = r.after[i].outcome;
      return [r.backend, check.name, String(check.outcome), String(after), check.outcome === 401 && after === 401 ? 'held' : 'BYPASS'];
    }),
  );
  table('revocations made before each restart (expected 401 before and after)', ['restarted', 'check', 'before', 'after', 'verdict'], rows);
}

export function printWrites(writes: WriteCheck[]): void {
  table(
    'acknowledged writes, looked up afterwards',
    ['kind', 'acknowledged', 'missing', 'first missing'],
    writes.map((w) => [w.kind, String(w.acknowledged), String(w.missing.length), w.missing[0] ?? '']),
  );
}

/** Why requests failed: each phase's outcomes other than 200, by kind, code and message. */
export function printFailures(samples: Sample[]): void {
  const counts = new Map<string, number>();
  for (const s of samples) {
    if (s.outcome === 200) continue;
    const key = `${s.phase.padEnd(20)} ${s.op.padEnd(7)} ${s.outcome} ${s.code ?? ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  console.log('failed requests by phase, kind and answer');
  for (const [key, n] of counts) console.log(`  ${String(n).padStart(5)}  ${key}`);
  console.log('');
}

/** Outcomes other than 200 and 503, as "kind phase outcome code xcount". */
export function unexpected(samples: Sample[]): string[] {
  const counts = new Map<string, number>();
  for (const s of samples) {
    if (s.outcome === 200 || s.outcome === 503) continue;
    const key = `${s.op} ${s.phase} ${s.outcome}${s.code ? ` ${s.code}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${key} x${n}`);
}
