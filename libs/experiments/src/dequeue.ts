import type { Context, Identity } from './context';
import type { TaskDoc } from './documents';
import { removeEntry, removeFromAllQueues } from './queues';
import { changeTaskStatus } from './status-change';
import type { TaskStatus } from './task-status';

/** The queue a queued task waits in, from its execution.queue. */
function queueOf(task: TaskDoc): string | undefined {
  const queue = task.execution?.queue;
  return typeof queue === 'string' && queue ? queue : undefined;
}

/**
 * Takes a queued task's entry out of its queue (clearml-server's silent dequeue): `{ removed }`,
 * or undefined when the task is not queued or names no queue. Its status is left as it is.
 */
export async function takeOutOfQueue(ctx: Context, task: TaskDoc): Promise<{ removed: number } | undefined> {
  const queue = queueOf(task);
  if (task.status !== 'queued' || !queue) return undefined;
  return { removed: await removeEntry(ctx.db, task.company, queue, task._id) };
}

export interface DequeueOptions {
  status_reason?: string;
  status_message?: string;
  /** Also remove the task from every other queue of its company. */
  removeFromAllQueues?: boolean;
  /** The status to return to; by default the one it had before it was enqueued, or created. */
  newStatus?: TaskStatus;
  /** The status a running (in_progress) task moves to instead (tasks.archive: stopped). */
  newStatusForAbortedTask?: TaskStatus;
}

/**
 * clearml-server's dequeue_and_change_status: takes the task out of its queue and, if it was
 * queued or running, moves it (forced) back to the status it had before it was enqueued. A task in
 * any other status only loses its queue entries: `{ updated: 0 }`. Exported for tasks.archive.
 */
export async function dequeueTask(ctx: Context, identity: Identity, task: TaskDoc, options: DequeueOptions = {}) {
  await takeOutOfQueue(ctx, task);
  if (options.removeFromAllQueues) await removeFromAllQueues(ctx.db, task.company, task._id);
  if (task.status !== 'queued' && task.status !== 'in_progress') return { updated: 0 };
  const aborted = task.status === 'in_progress' ? options.newStatusForAbortedTask : undefined;
  const next = aborted ?? options.newStatus ?? task.enqueue_status ?? 'created';
  return changeTaskStatus(ctx.db.tasks, identity, task, next, {
    force: true,
    status_reason: options.status_reason,
    status_message: options.status_message,
    unset: ['enqueue_status'],
  });
}
