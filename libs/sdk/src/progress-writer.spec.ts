import { createProgressWriter } from './progress-writer';

function output(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 100, write: (text: string) => writes.push(text) };
}

describe('createProgressWriter', () => {
  it('without a TTY writes plain lines at most once per interval, plus the 100% line once', () => {
    let now = 0;
    const out = output(false);
    const writer = createProgressWriter({ label: 'f', output: out, now: () => now, plainIntervalMs: 5000 });
    for (let done = 0; done <= 100; done += 10) {
      now = done * 200; // 0..20 s
      writer.update({ done, total: 100 });
    }
    writer.update({ done: 100, total: 100 });
    writer.finish();
    expect(out.writes).toEqual([
      'f: 0% 0 B/100 B -/s ETA -\n',
      'f: 30% 30 B/100 B 5 B/s ETA 14s\n',
      'f: 60% 60 B/100 B 5 B/s ETA 8s\n',
      'f: 90% 90 B/100 B 5 B/s ETA 2s\n',
      'f: 100% 100 B/100 B 5 B/s done in 20s\n',
    ]);
  });

  it('on a TTY redraws one line in place and ends it on finish', () => {
    let now = 0;
    const out = output(true);
    const writer = createProgressWriter({ label: 'f', output: out, now: () => now });
    writer.update({ done: 0, total: 100 });
    now = 50;
    writer.update({ done: 10, total: 100 }); // too soon after the last redraw
    now = 500;
    writer.update({ done: 50, total: 100 });
    now = 1000;
    writer.update({ done: 100, total: 100 });
    writer.finish();
    expect(out.writes).toHaveLength(4);
    expect(out.writes.slice(0, 3).every((text) => text.startsWith('\r') && text.endsWith('\x1b[K'))).toBe(true);
    expect(out.writes.join('').split('\n')).toHaveLength(2);
    expect(out.writes[2]).toContain('100%');
    expect(out.writes[3]).toBe('\n');
  });

  it('draws an 80-column bar on a terminal that reports 0 columns', () => {
    const out = { ...output(true), columns: 0 };
    const writer = createProgressWriter({ label: 'model.bin', output: out, now: () => 1000 });
    writer.update({ done: 50, total: 100 });
    expect(out.writes[0]).toMatch(/^\rmodel\.bin +\[#{12}\.{12}\]  50% /);
  });

  it('shows a restarted upload going back to zero', () => {
    let now = 0;
    const out = output(false);
    const writer = createProgressWriter({ label: 'f', output: out, now: () => now, plainIntervalMs: 1000 });
    writer.update({ done: 80, total: 100 });
    now = 2000;
    writer.update({ done: 0, total: 100 });
    expect(out.writes[1]).toMatch(/^f: 0% /);
  });
});
