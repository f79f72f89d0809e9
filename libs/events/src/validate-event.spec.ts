import { validateEvent, type ValidateOptions } from './validate-event';

const opts: ValidateOptions = { maxEventBytes: 2000, worker: 'w1', now: () => 1_700_000_000_000 };
const scalar = { type: 'training_stats_scalar', task: 't1', metric: 'loss', variant: 'train', iter: 1, value: 0.5 };

/** Arrays `levels` deep: JSON.stringify of 10,000 levels overflows the stack. */
function deep(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

describe('validateEvent', () => {
  it.each([
    ['a non-object', 'x', 'Event must be an object'],
    ['an array', [scalar], 'Event must be an object'],
    ['no type', { task: 't1' }, "Event must have a 'type' field"],
    ['an unknown type', { ...scalar, type: 'nope' }, 'Invalid event type nope'],
    // Found by the API fuzz test: String() ran the parsed object's own toString key and threw (a 500).
    ['a type object with a toString key', { ...scalar, type: JSON.parse('{"toString":1}') }, 'Invalid event type an object'],
    ['a type array', { ...scalar, type: [{ valueOf: 1 }] }, 'Invalid event type an array'],
    ['a model id object with a valueOf key', { ...scalar, task: undefined, model_event: true, model: { valueOf: 1 } }, 'Invalid task id'],
    ['no task', { type: 'log', msg: 'm' }, "Event must have a 'task' field"],
    ['an empty task', { ...scalar, task: '' }, 'Invalid task id'],
    ['a non-string task', { ...scalar, task: 7 }, 'Invalid task id'],
    ['a non-numeric scalar value', { ...scalar, value: 'high' }, "Scalar event must have a numeric 'value'"],
    ['a scalar without value', { ...scalar, value: undefined }, "Scalar event must have a numeric 'value'"],
    ['a fractional-string iteration', { ...scalar, iter: '1.5' }, 'Iteration number should be an integer within ±2^53'],
    ['an iteration past 2^53', { ...scalar, iter: 2 ** 60 }, 'Iteration number should be an integer within ±2^53'],
    ['a non-string metric', { ...scalar, metric: 3 }, 'Invalid metric'],
    ['a non-numeric timestamp', { ...scalar, timestamp: 'yesterday' }, 'Invalid timestamp'],
    ['a non-string log msg', { type: 'log', task: 't1', msg: { a: 1 } }, "Invalid 'msg'"],
    ['a non-string plot_str', { type: 'plot', task: 't1', plot_str: 1 }, "Invalid 'plot_str'"],
    ['a vector with non-numbers', { type: 'training_stats_vector', task: 't1', values: ['a'] }, "Vector event must have numeric 'values'"],
    ['a model log event', { type: 'log', task: 't1', model_event: true }, 'Task log events are not supported for models'],
    ['an oversized event', { type: 'log', task: 't1', msg: 'x'.repeat(3000) }, 'Event exceeds the 2000 bytes limit'],
    ['an event nested 10,000 deep', { type: 'log', task: 't1', extra: deep(10_000) }, 'Event is nested deeper than 20 levels'],
    ['an event nested 21 deep', { type: 'log', task: 't1', extra: deep(20) }, 'Event is nested deeper than 20 levels'],
  ])('rejects %s', (_name, event, error) => {
    expect(validateEvent(event, opts)).toEqual({ ok: false, error });
  });

  it('rejects tasks the caller did not allow, and quotes only a bounded part of client strings', () => {
    expect(validateEvent(scalar, { ...opts, allowedTasks: new Set(['t2']) })).toEqual({ ok: false, error: 'Invalid task id t1' });
    const result = validateEvent({ ...scalar, type: 'y'.repeat(500) }, { ...opts, maxEventBytes: 10_000 });
    expect(!result.ok && result.error.length).toBe('Invalid event type '.length + 100);
  });

  it('normalizes accepted events as ClearML does', () => {
    const result = validateEvent(
      { type: 'training_stats_scalar', task: 't1', iter: '3', values: 2, ts: 5, x_axis_label: 'x', event_id: 'forged', '@timestamp': 'forged', method: 'get' },
      opts,
    );
    expect(result).toMatchObject({
      ok: true,
      doc: {
        type: 'training_stats_scalar',
        task: 't1',
        iter: 3,
        value: 2,
        timestamp: 5,
        metric: '',
        variant: '',
        worker: 'w1',
        model_event: false,
        '@timestamp': '2023-11-14T22:13:20.000Z',
      },
    });
    if (!result.ok) return;
    expect(result.doc.event_id).toBe(result.id);
    expect(result.doc).not.toHaveProperty('x_axis_label');
    expect(result.doc).not.toHaveProperty('values');
    expect(result.doc).not.toHaveProperty('method');
  });

  it('accepts types with spaces, fills the timestamp, and maps model events to the model id', () => {
    expect(validateEvent({ type: 'training stats scalar', task: 't1', value: 1 }, opts)).toMatchObject({
      ok: true,
      doc: { type: 'training_stats_scalar', timestamp: 1_700_000_000_000 },
    });
    expect(validateEvent({ ...scalar, model_event: true, model: 'm1', task: undefined }, opts)).toMatchObject({
      ok: true,
      doc: { task: 'm1', model_event: true },
    });
    expect(validateEvent({ type: 'log', task: 't1', msg: 'm', level: 'info' }, opts)).toMatchObject({ ok: true });
    expect(validateEvent({ type: 'training_debug_image', task: 't1', key: 'k', url: 'http://x' }, opts)).toMatchObject({ ok: true });
  });
});
