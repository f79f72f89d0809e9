import type { Model } from 'mongoose';
import { WardenError } from '@warden/errors';
import type { Identity } from './context';
import type { TaskDoc } from './documents';
import { fromStored } from './stored-values';
import { assertTransition, type TaskStatus } from './task-status';

export interface StatusChange {
  force?: boolean;
  status_reason?: string;
  status_message?: string;
  /** More fields set in the same update. */
  set?: Record<string, unknown>;
  /** Fields removed in the same update. */
  unset?: readonly string[];
}

const DEVELOPMENT = 'development';

/**
 * Moves a task to `next` if the state machine (or force) allows it, with its other changes in the
 * same single-document update. The update is conditioned on the status the task was read with, so
 * a concurrent change fails (ClearML's failed_changing_task_status) instead of being overwritten.
 * A task sent to a queue stops being a development task, as in clearml-server.
 */
export async function changeTaskStatus(tasks: Model<TaskDoc>, identity: Identity, task: TaskDoc, next: TaskStatus, change: StatusChange = {}) {
  assertTransition(task.status, next, change.force ?? false);
  const now = new Date();
  const fields = {
    status: next,
    status_reason: change.status_reason ?? '',
    status_message: change.status_message ?? '',
    status_changed: now,
    last_update: now,
    last_change: now,
    last_changed_by: identity.user,
    ...change.set,
  };
  const update: Record<string, unknown> = { $set: fields };
  if (change.unset?.length) update.$unset = Object.fromEntries(change.unset.map((field) => [field, 1]));
  if (next === 'queued') update.$pull = { system_tags: DEVELOPMENT };
  const result = await tasks.updateOne({ _id: task._id, company: identity.company, status: task.status }, update);
  if (result.matchedCount === 0) {
    throw new WardenError('ERR_TASK_STATUS_CHANGED', `task ${task._id} changed status while moving to ${next}`, {
      task: task._id,
      current_status: task.status,
      new_status: next,
    });
  }
  return { updated: 1, fields: fromStored(fields) as Record<string, unknown> };
}
