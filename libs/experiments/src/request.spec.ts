import { z } from 'zod';
import { ERROR_TABLE, WardenError } from '@warden/errors';
import { listFields, opt, parseRequest, text } from './request';
import { compact } from './stored-values';
import { artifactSchema, taskFields, taskName, taskType } from './task-fields';

function refusal(schema: z.AnyZodObject, data: unknown): { code: string; field: unknown; message: string } {
  try {
    parseRequest(schema, data);
  } catch (error) {
    if (error instanceof WardenError) return { code: error.code, field: error.data.field, message: error.message };
  }
  throw new Error('expected a refusal');
}

describe('request validation', () => {
  const create = z.object({ ...taskFields, name: taskName, type: taskType, input: opt.ignored });

  it('ignores the SDK\'s "method" field and drops unknown keys inside documents', () => {
    const parsed = parseRequest(create, { name: 'task', type: 'training', method: 'get', script: { diff: 'x', extra: true } });
    expect(parsed).toEqual({ name: 'task', type: 'training', script: { diff: 'x' } });
  });

  it('refuses an unknown top-level field with the validation error naming it', () => {
    const found = refusal(create, { name: 'task', type: 'training', method: 'get', surprise: 1, 'hyperparams.Args.lr.value': '0.1' });
    expect(found).toEqual({ code: 'ERR_UNKNOWN_FIELD', field: 'surprise', message: 'unknown fields: surprise, hyperparams.Args.lr.value' });
    expect(ERROR_TABLE.ERR_UNKNOWN_FIELD.result).toEqual([400, 12]);
  });

  it('takes a field the SDK may send and Warden does not use, without storing it', () => {
    const parsed = parseRequest(create, { name: 'task', type: 'training', input: { view: {} } });
    expect(compact(parsed)).toEqual({ name: 'task', type: 'training' });
  });

  it('treats null as not given', () => {
    expect(parseRequest(z.object({ comment: opt.text }), { comment: null })).toEqual({});
  });

  it.each([
    [{ type: 'training' }, 'ERR_MISSING_FIELDS', 'name'],
    [{ name: 'task', type: 'sleeping' }, 'ERR_BAD_REQUEST', 'type'],
    [{ name: 'ab', type: 'training' }, 'ERR_BAD_REQUEST', 'name'],
    [{ name: 'task', type: 'training', tags: ['a', 3] }, 'ERR_BAD_REQUEST', 'tags.1'],
    [{ name: 'task', type: 'training', hyperparams: { Args: { lr: { value: 1 } } } }, 'ERR_BAD_REQUEST', 'hyperparams.Args.lr.value'],
    [{ name: 'task', type: 'training', execution: { artifacts: [{ key: 'k' }] } }, 'ERR_MISSING_FIELDS', 'execution.artifacts.0.type'],
  ])('refuses %j with %s naming %s', (data, code, field) => {
    const found = refusal(create, data);
    expect([found.code, found.field]).toEqual([code, field]);
    expect(found.message).toContain(field);
  });

  it('refuses a body that is not an object', () => {
    expect(refusal(z.object({ a: text }), [1]).code).toBe('ERR_BAD_REQUEST');
  });

  it('reads query-string style flags and integers, and one value for a list', () => {
    const list = z.object(listFields);
    expect(parseRequest(list, { page: '2', page_size: 10, search_hidden: 'true', id: 'abc' })).toEqual({
      page: 2,
      page_size: 10,
      search_hidden: true,
      id: ['abc'],
    });
    expect(refusal(list, { page: -1 }).field).toBe('page');
    expect(refusal(list, { page_size: '1.5' }).field).toBe('page_size');
  });

  it('gives an artifact the output mode by default', () => {
    expect(parseRequest(artifactSchema, { key: 'k', type: 'dict' })).toEqual({ key: 'k', type: 'dict', mode: 'output' });
  });
});
