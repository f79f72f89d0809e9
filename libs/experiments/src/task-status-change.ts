import type { Model } from 'mongoose';
import { WardenError } from '@warden/errors';
import type { Identity } from './context';
import type { TaskDoc } from './documents';
import { fromStored } from './stored-values';
import { assertTransition, type TaskStatus } from './task-status';

/** What a status-changing call carries besides the task (clearml-server's status_change_request). */
export interface StatusChange {
  force?: boolean;
  status_reason?: string;
  status_message?: string;
}

// A type, not an interface: batch answers need it to be a plain record.
export type StatusChangeResult = { updated: number; fields: Record<string, unknown> };

/**
 * Moves `task` (as read) to `next` if the state machine (or force) allows it, setting `extra` too.
 * The update is conditioned on the status it was read with, so a concurrent change fails with
 * ClearML's "status changed" error instead of being overwritten.
 */
export async function changeStatus(
  tasks: Model<TaskDoc>,
  identity: Identity,
  task: TaskDoc,
  next: TaskStatus,
  change: StatusChange,
  extra: Partial<TaskDoc> = {},
  unset: readonly (keyof TaskDoc)[] = [],
): Promise<StatusChangeResult> {
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
    ...extra,
  };
  const update = { $set: fields, ...(unset.length > 0 && { $unset: Object.fromEntries(unset.map((field) => [field, 1])) }) };
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
