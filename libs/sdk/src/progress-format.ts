export interface ProgressSnapshot {
  label: string;
  done: number;
  total: number;
  elapsedMs: number;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Binary multiples with decimal-looking names, as most transfer tools print them. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Rate and ETA need a little history to mean anything. */
function rateOf({ done, elapsedMs }: ProgressSnapshot): number | undefined {
  return elapsedMs >= 250 && done > 0 ? (done * 1000) / elapsedMs : undefined;
}

function stats(snapshot: ProgressSnapshot): string {
  const { done, total } = snapshot;
  const rate = rateOf(snapshot);
  const amount = `${formatBytes(done)}/${formatBytes(total)}`;
  const speed = rate ? `${formatBytes(Math.round(rate))}/s` : '-/s';
  const eta = done >= total ? `done in ${formatDuration(snapshot.elapsedMs)}` : rate ? `ETA ${formatDuration(((total - done) / rate) * 1000)}` : 'ETA -';
  return `${amount} ${speed} ${eta}`;
}

function percentOf({ done, total }: ProgressSnapshot): number {
  if (total <= 0) return 100;
  return Math.min(100, Math.floor((done / total) * 100));
}

/** One terminal line: label, bar, percentage, bytes, rate, ETA; the label shrinks to fit `width`. */
export function formatProgressBar(snapshot: ProgressSnapshot, width: number, barWidth = 24): string {
  const percent = percentOf(snapshot);
  const filled = Math.round((percent / 100) * barWidth);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
  const tail = ` ${bar} ${String(percent).padStart(3)}% ${stats(snapshot)}`;
  const room = Math.max(0, width - tail.length - 1);
  return `${shorten(snapshot.label, room)}${tail}`.slice(0, Math.max(0, width - 1));
}

/** A log-friendly line for pipes and CI: no bar, no control characters. */
export function formatProgressLine(snapshot: ProgressSnapshot): string {
  return `${snapshot.label}: ${percentOf(snapshot)}% ${stats(snapshot)}`;
}

function shorten(text: string, room: number): string {
  if (text.length <= room) return text;
  if (room <= 1) return '';
  return `…${text.slice(text.length - room + 1)}`;
}
