import { WardenError } from '@warden/errors';
import { mustFind, type Context, type Identity } from './context';
import { changeTaskStatus, type StatusChange } from './status-change';
import { assertTransition } from './task-status';

type StatusChangeResult = Awaited<ReturnType<typeof changeTaskStatus>>;

// clearml-server's publish_task and ModelBLL.publish_model.

export interface PublishTaskOptions extends Pick<StatusChange, 'force' | 'status_reason' | 'status_message'> {
  /** Also publish (set ready) the task's last output model when it is a draft. */
  publishModel: boolean;
}

/**
 * Publishes a task: from stopped, closed, failed or completed (any status when forced; never a
 * published one twice unless forced). The task is marked publishing first, so a concurrent status
 * change fails; when publishing its model fails the task gets its status back.
 */
export async function publishTask(ctx: Context, identity: Identity, taskId: string, options: PublishTaskOptions): Promise<StatusChangeResult> {
  const { db } = ctx;
  const { company } = identity;
  const task = await mustFind(db.tasks, company, taskId, 'ERR_INVALID_TASK_ID', 'task');
  assertTransition(task.status, 'published', options.force ?? false, false);
  const marked = await db.tasks.updateOne({ _id: task._id, company, status: task.status }, { $set: { status: 'publishing' } });
  if (marked.matchedCount === 0) {
    throw new WardenError('ERR_TASK_STATUS_CHANGED', `task ${task._id} changed status while publishing`, {
      task: task._id,
      current_status: task.status,
      new_status: 'publishing',
    });
  }
  ctx.locked(company, task._id);
  try {
    const modelId = task.models?.output?.at(-1)?.model;
    if (options.publishModel && modelId) {
      const model = await db.models.findOne({ _id: modelId, company }, { ready: 1 }).lean();
      if (model && !model.ready) await publishModel(ctx, identity, modelId, { publishTask: false });
    }
    const { force, status_reason, status_message } = options;
    return await changeTaskStatus(db.tasks, identity, { ...task, status: 'publishing' }, 'published', {
      force,
      status_reason,
      status_message,
      set: { published: new Date() },
    });
  } catch (error) {
    await db.tasks.updateOne({ _id: task._id, company, status: 'publishing' }, { $set: { status: task.status } });
    throw error;
  }
}

export interface PublishModelOptions {
  /** Also publish the model's task unless it is published already. */
  publishTask: boolean;
  /** Publish that task from any status. */
  forcePublishTask?: boolean;
}

export interface PublishModelResult {
  updated: number;
  published_task?: { id: string; data: StatusChangeResult };
}

/** Sets a draft model ready (ERR_MODEL_IS_READY when it is not a draft), publishing its task first when asked. */
export async function publishModel(ctx: Context, identity: Identity, modelId: string, options: PublishModelOptions): Promise<PublishModelResult> {
  const { db } = ctx;
  const { company, user } = identity;
  const model = await mustFind(db.models, company, modelId, 'ERR_INVALID_MODEL_ID', 'model');
  if (model.ready) throw new WardenError('ERR_MODEL_IS_READY', `model ${modelId} is already ready`, { model: modelId });
  let publishedTask: PublishModelResult['published_task'];
  if (options.publishTask && model.task) {
    const task = await db.tasks.findOne({ _id: model.task, company }, { status: 1 }).lean();
    if (task && task.status !== 'published') {
      const data = await publishTask(ctx, identity, task._id, { force: options.forcePublishTask, publishModel: false });
      publishedTask = { id: task._id, data };
    }
  }
  const now = new Date();
  const result = await db.models.updateOne(
    { _id: modelId, company, ready: false },
    { $set: { ready: true, last_update: now, last_change: now, last_changed_by: user } },
  );
  ctx.locked(company, modelId);
  return { updated: result.modifiedCount, ...(publishedTask && { published_task: publishedTask }) };
}
