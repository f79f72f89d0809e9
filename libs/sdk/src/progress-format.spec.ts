import { formatBytes, formatDuration, formatProgressBar, formatProgressLine } from './progress-format';

const MB = 1024 * 1024;

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KB'],
    [1536, '1.5 KB'],
    [50 * MB, '50 MB'],
    [3.25 * 1024 * MB, '3.3 GB'],
  ])('%d bytes is %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59_400, '59s'],
    [61_000, '1m01s'],
    [3_725_000, '1h02m'],
  ])('%d ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('formatProgressLine', () => {
  it('shows percentage, amounts, rate and ETA', () => {
    expect(formatProgressLine({ label: 'data.bin', done: 10 * MB, total: 40 * MB, elapsedMs: 2000 })).toBe('data.bin: 25% 10 MB/40 MB 5.0 MB/s ETA 6s');
  });

  it('says how long it took once complete', () => {
    expect(formatProgressLine({ label: 'data.bin', done: 40 * MB, total: 40 * MB, elapsedMs: 8000 })).toBe('data.bin: 100% 40 MB/40 MB 5.0 MB/s done in 8s');
  });

  it('does not invent a rate before there is enough history', () => {
    expect(formatProgressLine({ label: 'x', done: 0, total: 100, elapsedMs: 0 })).toBe('x: 0% 0 B/100 B -/s ETA -');
  });

  it('treats an empty file as complete', () => {
    expect(formatProgressLine({ label: 'x', done: 0, total: 0, elapsedMs: 0 })).toBe('x: 100% 0 B/0 B -/s done in 0s');
  });
});

describe('formatProgressBar', () => {
  const snapshot = { label: 'project/task.abc/artifacts/data.bin', done: 20 * MB, total: 40 * MB, elapsedMs: 4000 };

  it('draws a half-filled bar', () => {
    expect(formatProgressBar(snapshot, 120, 10)).toBe('project/task.abc/artifacts/data.bin [#####.....]  50% 20 MB/40 MB 5.0 MB/s ETA 4s');
  });

  it('shortens the label from the left so the line fits the terminal', () => {
    const line = formatProgressBar(snapshot, 70, 10);
    expect(line.length).toBeLessThanOrEqual(69);
    expect(line).toMatch(/^…[^ ]*data\.bin \[#####\.\.\.\.\.\]/);
  });

  it('never holds control characters (the writer adds those)', () => {
    expect(formatProgressBar(snapshot, 80)).not.toMatch(/[\x00-\x1f]/);
  });
});
