import { WardenError } from '@warden/errors';
import { TASK_STATUSES, assertEditable, assertOutputsWritable, assertTransition, assertUpdatable, type TaskStatus } from './task-status';

function outcome(check: () => void): string {
  try {
    check();
    return 'ok';
  } catch (error) {
    return error instanceof WardenError ? error.code : `unexpected ${String(error)}`;
  }
}

describe('task status rules (clearml-server state machine)', () => {
  it.each<[TaskStatus, TaskStatus, string]>([
    ['created', 'in_progress', 'ok'],
    ['created', 'queued', 'ok'],
    ['created', 'completed', 'ERR_INVALID_TASK_STATUS'],
    ['created', 'stopped', 'ERR_INVALID_TASK_STATUS'],
    ['in_progress', 'completed', 'ok'],
    ['in_progress', 'failed', 'ok'],
    ['in_progress', 'stopped', 'ok'],
    ['completed', 'in_progress', 'ok'],
    ['completed', 'failed', 'ERR_INVALID_TASK_STATUS'],
    ['completed', 'stopped', 'ERR_INVALID_TASK_STATUS'],
    ['failed', 'in_progress', 'ERR_INVALID_TASK_STATUS'],
    ['failed', 'queued', 'ok'],
    ['stopped', 'in_progress', 'ok'],
    ['published', 'in_progress', 'ERR_INVALID_TASK_STATUS'],
    ['published', 'created', 'ERR_INVALID_TASK_STATUS'],
    ['unknown', 'in_progress', 'ERR_INVALID_TASK_STATUS'],
  ])('%s -> %s without force: %s', (from, to, expected) => {
    expect(outcome(() => assertTransition(from, to, false))).toBe(expected);
  });

  it('lets force and same-status moves through from any status', () => {
    for (const from of TASK_STATUSES) {
      for (const to of TASK_STATUSES) expect([from, to, outcome(() => assertTransition(from, to, true))]).toEqual([from, to, 'ok']);
      expect([from, outcome(() => assertTransition(from, from, false))]).toEqual([from, 'ok']);
    }
  });

  it('refuses a same-status move when asked to (publishing a published task), unless forced', () => {
    expect(outcome(() => assertTransition('published', 'published', false, false))).toBe('ERR_INVALID_TASK_STATUS');
    expect(outcome(() => assertTransition('stopped', 'stopped', false, false))).toBe('ERR_INVALID_TASK_STATUS');
    expect(outcome(() => assertTransition('stopped', 'published', false, false))).toBe('ok');
    expect(outcome(() => assertTransition('published', 'published', true, false))).toBe('ok');
  });

  it('names both statuses in the refusal', () => {
    expect(() => assertTransition('published', 'in_progress', false)).toThrow('invalid status change from published to in_progress');
  });

  it('edits only a created task unless forced', () => {
    expect(outcome(() => assertEditable('created', false))).toBe('ok');
    expect(outcome(() => assertEditable('in_progress', false))).toBe('ERR_INVALID_TASK_STATUS');
    expect(outcome(() => assertEditable('published', true))).toBe('ok');
  });

  it('writes outputs only while a task is created, queued or running', () => {
    expect(TASK_STATUSES.filter((status) => outcome(() => assertOutputsWritable(status)) === 'ok')).toEqual(['created', 'queued', 'in_progress']);
  });

  it('updates parameters of a created task, or of a queued or running one when forced', () => {
    expect(TASK_STATUSES.filter((status) => outcome(() => assertUpdatable(status, false)) === 'ok')).toEqual(['created']);
    expect(TASK_STATUSES.filter((status) => outcome(() => assertUpdatable(status, true)) === 'ok')).toEqual(['created', 'queued', 'in_progress']);
    expect(TASK_STATUSES.filter((status) => outcome(() => assertUpdatable(status, false, true)) === 'ok')).toEqual(TASK_STATUSES);
  });
});
