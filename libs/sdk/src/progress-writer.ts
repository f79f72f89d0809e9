import { formatProgressBar, formatProgressLine } from './progress-format';
import type { Progress } from './session';

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressWriterOptions {
  label: string;
  output: ProgressOutput;
  now?: () => number;
  /** Without a TTY: at most one line this often, plus the 100% line. */
  plainIntervalMs?: number;
  /** On a TTY: redraws closer together than this are dropped. */
  ttyIntervalMs?: number;
}

export interface ProgressWriter {
  update(progress: Progress): void;
  /** Ends a TTY line so the next output starts on its own line. */
  finish(): void;
}

export function createProgressWriter(options: ProgressWriterOptions): ProgressWriter {
  const { output, label } = options;
  const now = options.now ?? Date.now;
  const tty = output.isTTY === true;
  const interval = tty ? (options.ttyIntervalMs ?? 100) : (options.plainIntervalMs ?? 5000);
  const started = now();
  let lastAt: number | undefined;
  let completed = false;
  let drawn = false;

  return {
    update({ done, total }) {
      const at = now();
      const complete = total > 0 && done >= total;
      if (complete && completed) return;
      // A restarted upload goes back to zero; it is reported, not hidden.
      if (!complete && lastAt !== undefined && at - lastAt < interval) return;
      lastAt = at;
      completed = complete;
      const snapshot = { label, done, total, elapsedMs: at - started };
      if (tty) {
        // A terminal that reports no size (0 columns, as a pseudo-terminal with none set) still gets a bar.
        output.write(`\r${formatProgressBar(snapshot, output.columns || 80)}\x1b[K`);
        drawn = true;
        return;
      }
      output.write(`${formatProgressLine(snapshot)}\n`);
    },
    finish() {
      if (tty && drawn) output.write('\n');
      drawn = false;
    },
  };
}
