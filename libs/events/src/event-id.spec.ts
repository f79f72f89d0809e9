import { eventId } from './event-id';
import { validateEvent } from './validate-event';

const scalar = { type: 'training_stats_scalar', task: 't1', metric: 'loss', variant: 'train', iter: 5, value: 0.5 };
const idOf = (event: Record<string, unknown>) => {
  const result = validateEvent(event, { maxEventBytes: 10_000 });
  if (!result.ok) throw new Error(result.error);
  return result.id;
};

describe('event ids', () => {
  it("match ClearML's md5 over task-iter-metric-variant[-key] (values computed with Python's hashlib)", () => {
    expect(eventId({ task: 't1', iter: 5, metric: 'loss', variant: 'train' })).toBe('b8c6df400769d6a81c200e9d2cac39dc');
    expect(eventId({ task: 't1', metric: '', variant: '', key: 'img' })).toBe('41910a3a4309e1ed35a7710a56eed867');
  });

  it('are the same for the same scalar, whatever its value, timestamp or iteration spelling', () => {
    expect(idOf(scalar)).toBe('b8c6df400769d6a81c200e9d2cac39dc');
    expect(idOf({ ...scalar, value: 9, timestamp: 1 })).toBe(idOf(scalar));
    expect(idOf({ ...scalar, iter: '5' })).toBe(idOf(scalar));
  });

  it('differ when the task, iteration, metric or variant differ', () => {
    const ids = [scalar, { ...scalar, iter: 6 }, { ...scalar, variant: 'val' }, { ...scalar, metric: 'acc' }, { ...scalar, task: 't2' }].map(idOf);
    expect(new Set(ids).size).toBe(5);
  });

  it('are random for logs, which are appended rather than overwritten', () => {
    const log = { type: 'log', task: 't1', msg: 'hello', timestamp: 1 };
    expect(idOf(log)).not.toBe(idOf(log));
  });
});
