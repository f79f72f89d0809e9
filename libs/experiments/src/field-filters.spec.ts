import { z } from 'zod';
import { WardenError } from '@warden/errors';
import { isFieldFilter, parseListRequest } from './field-filters';
import { listFields } from './request';

const schema = z.object(listFields);
const filtersOf = (collection: 'tasks' | 'models' | 'projects', data: Record<string, unknown>) => parseListRequest(collection, schema, data).filters;
const refusal = (collection: 'tasks' | 'models' | 'projects', data: Record<string, unknown>) => {
  try {
    filtersOf(collection, data);
  } catch (error) {
    if (error instanceof WardenError) return `${error.code}:${String(error.data.field)}`;
  }
  return 'accepted';
};

describe('get_all field filters', () => {
  it.each([
    ['tasks', 'hyperparams.Args.lr.value', true],
    ['tasks', 'hyperparams.Args.lr.type', true],
    ['tasks', 'hyperparams.Args.lr', false],
    ['tasks', 'hyperparams.Args.lr.value.x', false],
    ['tasks', 'hyperparams.Args.lr.other', false],
    ['tasks', 'runtime.version', true],
    ['tasks', 'runtime.a.b', false],
    ['tasks', 'configuration.General.value', false],
    ['tasks', 'execution.queue', true],
    ['tasks', 'status_changed', true],
    ['tasks', 'last_metrics.m.v.value', true],
    ['models', 'metadata.acc.value', true],
    ['models', 'metadata.acc', false],
    ['models', 'hyperparams.Args.lr.value', false],
    ['projects', 'basename', true],
    ['projects', 'metadata.a.value', false],
  ] as const)('%s %s: %s', (collection, key, supported) => {
    expect(isFieldFilter(collection, key)).toBe(supported);
  });

  it('maps client names onto the escaped stored keys, a %2E from the client being a dot', () => {
    expect(filtersOf('tasks', { 'hyperparams.Args.optimizer%2Elr.value': '0.5' })).toEqual([{ 'hyperparams.Args.optimizer%2Elr.value': { $in: ['0.5'] } }]);
    expect(filtersOf('tasks', { 'hyperparams.$x.100%.value': 1 })).toEqual([{ 'hyperparams.%24x.100%25.value': { $in: ['1'] } }]);
    expect(filtersOf('models', { 'metadata.a%2Eb.value': ['x', '-y'] })).toEqual([
      { $and: [{ 'metadata.a%2Eb.value': { $in: ['x'] } }, { 'metadata.a%2Eb.value': { $nin: ['y'] } }] },
    ]);
    expect(filtersOf('tasks', { 'runtime.$gt': 'v' })).toEqual([{ 'runtime.%24gt': 'v' }]);
  });

  it('reads dates with comparison prefixes, and two plain dates as a range', () => {
    const [since, until] = [new Date('2024-01-01T00:00:00Z'), new Date('2025-01-01T00:00:00Z')];
    expect(filtersOf('tasks', { status_changed: ['>=2024-01-01T00:00:00Z', '<2025-01-01T00:00:00Z'] })).toEqual([
      { status_changed: { $gte: since, $lt: until } },
    ]);
    expect(filtersOf('tasks', { last_update: ['2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z'] })).toEqual([{ last_update: { $gte: since, $lte: until } }]);
    expect(filtersOf('models', { last_update: '>2024-01-01T00:00:00Z' })).toEqual([{ last_update: { $gt: since } }]);
    expect(refusal('tasks', { last_update: ['>=yesterday'] })).toBe('ERR_UNSUPPORTED_FILTER:last_update');
  });

  it('reads ranges as [min, max], an open min also matching an unset field', () => {
    expect(filtersOf('tasks', { last_iteration: [10, '20'] })).toEqual([{ last_iteration: { $gte: 10, $lte: 20 } }]);
    expect(filtersOf('tasks', { last_iteration: [null, 5] })).toEqual([{ $or: [{ last_iteration: { $lte: 5 } }, { last_iteration: null }] }]);
    for (const bad of [5, [1], [1, 2, 3], [null, null], ['a', 2], [{ $gt: 1 }, 2]]) {
      expect([JSON.stringify(bad), refusal('tasks', { last_iteration: bad })]).toEqual([JSON.stringify(bad), 'ERR_UNSUPPORTED_FILTER:last_iteration']);
    }
  });

  it('refuses objects and unknown keys, naming the key', () => {
    expect(refusal('tasks', { 'hyperparams.Args.lr.value': { $regex: '.' } })).toBe('ERR_UNSUPPORTED_FILTER:hyperparams.Args.lr.value');
    expect(refusal('tasks', { 'runtime.version': ['1', '2'] })).toBe('ERR_UNSUPPORTED_FILTER:runtime.version');
    expect(refusal('tasks', { 'execution.queue': 5 })).toBe('ERR_UNSUPPORTED_FILTER:execution.queue');
    expect(refusal('tasks', { $where: '1' })).toBe('ERR_UNSUPPORTED_FILTER:$where');
    expect(refusal('tasks', { comment: ['a'] })).toBe('ERR_UNSUPPORTED_FILTER:comment');
    expect(refusal('tasks', { method: 'get', 'hyperparams.A.b.value': 'x' })).toBe('accepted');
  });

  it('searches text literally and patterns over the named fields', () => {
    expect(filtersOf('models', { search_text: 'a.b' })).toEqual([
      { $or: ['name', '_id', 'comment'].map((field) => ({ [field]: { $regex: 'a\\.b', $options: 'i' } })) },
    ]);
    expect(filtersOf('tasks', { _any_: { fields: ['id', 'runtime.a%2Eb'], pattern: '^x' } })).toEqual([
      { $or: [{ _id: { $regex: '^x', $options: 'i' } }, { 'runtime.a%2Eb': { $regex: '^x', $options: 'i' } }] },
    ]);
  });

  it("reads the TriggerScheduler's date search over several fields, and refuses it on other fields", () => {
    const since = new Date('2024-01-01T00:00:00Z');
    expect(filtersOf('models', { _or_: { fields: ['last_update', 'last_change'], datetime: ['>2024-01-01T00:00:00Z'] } })).toEqual([
      { $or: [{ last_update: { $gt: since } }, { last_change: { $gt: since } }] },
    ]);
    expect(refusal('tasks', { _and_: { fields: ['name'], datetime: '>2024-01-01' } })).toBe('ERR_UNSUPPORTED_FILTER:_and_');
    expect(refusal('tasks', { _or_: { fields: ['last_update'], datetime: '>2024-01-01', pattern: 'x' } })).toBe('ERR_BAD_REQUEST:_or_');
    expect(refusal('tasks', { _or_: { fields: ['last_update'] } })).toBe('ERR_BAD_REQUEST:_or_');
  });

  it('reads metric thresholds on last_metrics values only', () => {
    expect(filtersOf('tasks', { 'last_metrics.0a.0b.max_value': [0.5, null] })).toEqual([{ 'last_metrics.0a.0b.max_value': { $gte: 0.5 } }]);
    expect(refusal('tasks', { 'last_metrics.0a.0b._max': [0.5, null] })).toBe('ERR_UNSUPPORTED_FILTER:last_metrics.0a.0b._max');
  });
});
