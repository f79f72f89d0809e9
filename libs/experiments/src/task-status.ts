import { WardenError } from '@warden/errors';

export const TASK_STATUSES = ['created', 'queued', 'in_progress', 'stopped', 'publishing', 'published', 'closed', 'failed', 'completed', 'unknown'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_TYPES = [
  'training',
  'testing',
  'inference',
  'data_processing',
  'application',
  'monitor',
  'controller',
  'optimizer',
  'service',
  'qc',
  'custom',
] as const;

// clearml-server's task state machine: the statuses each status may move to without force.
const TRANSITIONS: Record<TaskStatus, readonly TaskStatus[]> = {
  created: ['queued', 'in_progress'],
  queued: ['created', 'in_progress', 'stopped'],
  in_progress: ['stopped', 'failed', 'created', 'completed'],
  stopped: ['closed', 'created', 'failed', 'queued', 'in_progress', 'published', 'publishing', 'completed'],
  closed: ['created', 'failed', 'published', 'publishing', 'stopped'],
  failed: ['created', 'stopped', 'published', 'queued'],
  publishing: ['published'],
  published: [],
  completed: ['published', 'in_progress', 'created'],
  unknown: [],
};

/**
 * Throws ClearML's invalid_task_status unless `force` or the state machine allows the move.
 * Same-status moves are allowed unless `allowSame` is false (publishing a published task).
 */
export function assertTransition(current: TaskStatus, next: TaskStatus, force: boolean, allowSame = true): void {
  if (force || (allowSame && current === next)) return;
  if (!TRANSITIONS[current]?.includes(next)) {
    throw new WardenError('ERR_INVALID_TASK_STATUS', `invalid status change from ${current} to ${next}`, { current_status: current, new_status: next });
  }
}

/** tasks.edit: only a created task, unless forced (the SDK forces its own edits of a running task). */
export function assertEditable(status: TaskStatus, force: boolean): void {
  if (!force && status !== 'created') {
    throw new WardenError('ERR_INVALID_TASK_STATUS', `task status is ${status}, expected created (or force)`, { status, expected: 'created' });
  }
}

// clearml-server's task_running_statuses: a queued task is about to run, and its creator may still attach to it.
const RUNNING: readonly TaskStatus[] = ['queued', 'in_progress'];

/** Artifacts and models change only while a task is created, queued or running, even when forced. */
export function assertOutputsWritable(status: TaskStatus): void {
  if (status !== 'created' && !RUNNING.includes(status)) {
    throw new WardenError('ERR_INVALID_TASK_STATUS', `task status is ${status}, expected created, queued or in_progress`, { status });
  }
}

/**
 * Hyperparameter and configuration edits (clearml-server's get_task_for_update): a created task,
 * or a queued or running one too when forced; any status when the caller says so (the `properties` section).
 */
export function assertUpdatable(status: TaskStatus, force: boolean, anyStatus = false): void {
  if (anyStatus || status === 'created' || (force && RUNNING.includes(status))) return;
  throw new WardenError(
    'ERR_INVALID_TASK_STATUS',
    `task status is ${status}, expected created${force ? ', queued or in_progress' : ' (or queued or in_progress with force)'}`,
    {
      status,
      expected: 'created',
    },
  );
}
