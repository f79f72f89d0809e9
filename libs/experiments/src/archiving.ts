import { WardenError } from '@warden/errors';
import { ARCHIVED, type Context, type Identity } from './context';
import type { TaskDoc } from './documents';
import { dequeueTask } from './dequeue';

// clearml-server's archive_task and unarchive_task: a system tag, after taking the task out of
// its queues and stopping it.

export interface ArchiveOptions {
  status_reason?: string;
  status_message?: string;
  /** For a pipeline controller, its steps (the tasks whose parent it is) too. */
  include_pipeline_steps?: boolean;
}

/**
 * Takes a task out of every queue: a queued task goes back to the status it was enqueued from
 * (created by default), a running one is stopped. Failures are ignored, as ClearML ignores them:
 * the task is archived either way.
 */
async function leaveQueues(ctx: Context, identity: Identity, task: TaskDoc, options: ArchiveOptions): Promise<void> {
  const { status_reason, status_message } = options;
  try {
    await dequeueTask(ctx, identity, task, { status_reason, status_message, removeFromAllQueues: true, newStatusForAbortedTask: 'stopped' });
  } catch (error) {
    if (!(error instanceof WardenError)) throw error;
  }
}

type Tagging = (ctx: Context, identity: Identity, task: TaskDoc, options: ArchiveOptions) => Promise<number>;

const archiveOne: Tagging = async (ctx, identity, task, options) => {
  await leaveQueues(ctx, identity, task, options);
  return setArchived(ctx, identity, task, options, true);
};

const unarchiveOne: Tagging = (ctx, identity, task, options) => setArchived(ctx, identity, task, options, false);

async function setArchived(ctx: Context, identity: Identity, task: TaskDoc, options: ArchiveOptions, archived: boolean): Promise<number> {
  const set = {
    status_reason: options.status_reason ?? '',
    status_message: options.status_message ?? '',
    last_change: new Date(),
    last_changed_by: identity.user,
  };
  const tag = archived ? { $addToSet: { system_tags: ARCHIVED } } : { $pull: { system_tags: ARCHIVED } };
  const result = await ctx.db.tasks.updateOne({ _id: task._id, company: identity.company }, { $set: set, ...tag });
  return result.matchedCount;
}

/** Tags one task (and a controller's steps when asked) and answers 1 when the task was there to tag. */
async function withSteps(tagging: Tagging, ctx: Context, identity: Identity, task: TaskDoc, options: ArchiveOptions): Promise<number> {
  if (options.include_pipeline_steps && task.type === 'controller') {
    const steps = await ctx.db.tasks.find({ company: identity.company, parent: task._id }).lean<TaskDoc[]>();
    for (const step of steps) await tagging(ctx, identity, step, options);
  }
  return tagging(ctx, identity, task, options);
}

export const archiveTask = (ctx: Context, identity: Identity, task: TaskDoc, options: ArchiveOptions) => withSteps(archiveOne, ctx, identity, task, options);

export const unarchiveTask = (ctx: Context, identity: Identity, task: TaskDoc, options: ArchiveOptions) =>
  withSteps(unarchiveOne, ctx, identity, task, options);
