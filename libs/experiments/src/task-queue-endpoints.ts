import { z } from 'zod';
import { WardenError } from '@warden/errors';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import { mustFind, type Context, type Identity } from './context';
import { dequeueTask, takeOutOfQueue } from './dequeue';
import type { QueueDoc, TaskDoc } from './documents';
import { addEntry, defaultQueue, mustFindQueue, queueNamed, removeFromAllQueues } from './queues';
import { id, opt, parseRequest } from './request';
import { changeTaskStatus } from './status-change';
import { resetOutputs } from './task-reset';
import { TASK_STATUSES, assertTransition } from './task-status';

const statusFields = { task: id, status_reason: opt.text, status_message: opt.text };
const enqueueRequest = z.object({
  ...statusFields,
  queue: opt.id,
  queue_name: opt.of(z.string().min(1).max(1024)),
  force: opt.flag,
  update_execution_queue: opt.flag,
  verify_watched_queue: opt.flag,
});
// force: taken as clearml-server takes it; a dequeue always forces its status change.
const dequeueRequest = z.object({ ...statusFields, force: opt.flag, remove_from_all_queues: opt.flag, new_status: opt.of(z.enum(TASK_STATUSES)) });
const stopRequest = z.object({ ...statusFields, force: opt.flag, include_pipeline_steps: opt.flag });
const resetRequest = z.object({
  ...statusFields,
  force: opt.flag,
  clear_all: opt.flag,
  delete_output_models: opt.flag,
  return_file_urls: opt.flag,
  delete_external_artifacts: opt.flag,
});

/** How long after its last update a task counts as run by the worker that reported it (clearml-server's task_update_timeout). */
const WORKER_TASK_TIMEOUT_MS = 600_000;
const STOPPING = 'stopping';

export interface TaskQueueDeps {
  /** Whether any live worker of the company listens on the queue (tasks.enqueue's verify_watched_queue). */
  queueWatched?: (company: string, queueId: string) => Promise<boolean>;
}

/** tasks.enqueue, dequeue, stop and reset: a task's way into and out of queues and runs. */
export function registerTaskQueueEndpoints(api: ClearmlApi<TokenAuth>, ctx: Context, deps: TaskQueueDeps = {}): void {
  const { tasks } = ctx.db;
  const ownedTask = (company: string, taskId: string) => mustFind(tasks, company, taskId, 'ERR_INVALID_TASK_ID', 'task');

  const targetQueue = (identity: Identity, request: z.output<typeof enqueueRequest>): Promise<QueueDoc> => {
    if (request.queue) return mustFindQueue(ctx.db, identity.company, request.queue);
    if (request.queue_name) return queueNamed(ctx.db, identity, request.queue_name);
    return defaultQueue(ctx.db, identity);
  };

  api.endpoint('tasks.enqueue', { auth: 'token' }, async ({ auth, data }) => {
    const identity = auth.claims.identity;
    const request = parseRequest(enqueueRequest, data);
    if (request.queue && request.queue_name) throw new WardenError('ERR_BAD_REQUEST', 'Either queue id or queue name should be provided', { field: 'queue' });
    const updateQueue = request.update_execution_queue ?? true;
    const task = await ownedTask(identity.company, request.task);
    if (!updateQueue && !(task.status === 'queued' && task.execution?.queue)) {
      throw new WardenError('ERR_BAD_REQUEST', 'Cannot skip setting execution queue for a task that is not enqueued or does not have execution queue set', {
        field: 'update_execution_queue',
      });
    }
    // Every refusal comes before the first write: a refused call leaves the task and queues as they were.
    assertTransition(task.status, 'queued', request.force ?? false);
    const queue = await targetQueue(identity, request);
    if (await ctx.db.queueEntries.exists({ company: identity.company, queue: queue._id, task: task._id })) {
      throw new WardenError('ERR_TASK_ALREADY_QUEUED', `task ${task._id} is already in queue ${queue._id}`, { task: task._id, queue: queue._id });
    }
    const enqueueStatus = task.status === 'queued' && task.enqueue_status ? task.enqueue_status : task.status;
    const { force, status_reason, status_message } = request;
    const result = await changeTaskStatus(tasks, identity, task, 'queued', { force, status_reason, status_message, set: { enqueue_status: enqueueStatus } });
    try {
      await addEntry(ctx.db, identity.company, queue._id, task._id);
    } catch (error) {
      await changeTaskStatus(tasks, identity, { ...task, status: 'queued' }, task.status, {
        force: true,
        status_reason: 'failed enqueueing',
        set: task.enqueue_status ? { enqueue_status: task.enqueue_status } : {},
        unset: task.enqueue_status ? [] : ['enqueue_status'],
      });
      throw error;
    }
    if (updateQueue) {
      await tasks.updateOne({ _id: task._id, company: identity.company }, { $set: { 'execution.queue': queue._id } });
      result.fields['execution.queue'] = queue._id;
    }
    await removeFromAllQueues(ctx.db, identity.company, task._id, queue._id);
    const watched = request.verify_watched_queue && deps.queueWatched ? { queue_watched: await deps.queueWatched(identity.company, queue._id) } : {};
    return { queued: 1, ...result, ...watched };
  });

  api.endpoint('tasks.dequeue', { auth: 'token' }, async ({ auth, data }) => {
    const identity = auth.claims.identity;
    const request = parseRequest(dequeueRequest, data);
    const task = await ownedTask(identity.company, request.task);
    const result = await dequeueTask(ctx, identity, task, {
      status_reason: request.status_reason,
      status_message: request.status_message,
      removeFromAllQueues: request.remove_from_all_queues,
      newStatus: request.new_status,
    });
    return { dequeued: 1, ...result };
  });

  /**
   * A task a worker runs gets a stop request (its agent aborts the run and reports it stopped); a
   * queued, development or unattended task is stopped here.
   */
  const stopTask = async (identity: Identity, task: TaskDoc, request: { force?: boolean; status_reason?: string }) => {
    const queued = task.status === 'queued';
    if (!queued && !isDevelopment(task) && isRunByWorker(task)) {
      return changeTaskStatus(tasks, identity, task, task.status, { force: request.force, status_reason: request.status_reason, status_message: STOPPING });
    }
    if (queued) await takeOutOfQueue(ctx, task);
    return changeTaskStatus(tasks, identity, task, 'stopped', {
      force: request.force,
      status_reason: request.status_reason,
      status_message: `Stopped by ${identity.user_name ?? identity.user}`,
    });
  };

  api.endpoint('tasks.stop', { auth: 'token' }, async ({ auth, data }) => {
    const identity = auth.claims.identity;
    const request = parseRequest(stopRequest, data);
    const task = await ownedTask(identity.company, request.task);
    // A pipeline controller's steps are stopped with it, each forced (clearml-server's include_pipeline_steps).
    if (request.include_pipeline_steps && task.type === 'controller') {
      const steps = await tasks.find({ company: identity.company, parent: task._id }).lean<TaskDoc[]>();
      for (const step of steps) await stopTask(identity, step, { force: true, status_reason: request.status_reason });
    }
    return stopTask(identity, task, request);
  });

  api.endpoint('tasks.reset', { auth: 'token' }, async ({ auth, data }) => {
    const identity = auth.claims.identity;
    const request = parseRequest(resetRequest, data);
    const force = request.force ?? false;
    const task = await ownedTask(identity.company, request.task);
    if (!force && task.status === 'published') {
      throw new WardenError('ERR_INVALID_TASK_STATUS', `task status is published; reset it with force=true`, { task: task._id, status: task.status });
    }
    const outputs = await resetOutputs.check(ctx, task, force);
    const dequeued = (await takeOutOfQueue(ctx, task)) ?? {};
    await removeFromAllQueues(ctx.db, identity.company, task._id);
    const result = await changeTaskStatus(tasks, identity, task, 'created', {
      force,
      status_reason: 'reset',
      status_message: 'reset',
      ...resetFields(task, request.clear_all ?? false),
    });
    const cleanup = await resetOutputs.apply(ctx, identity, outputs, request.delete_output_models ?? true);
    await ctx.deleteTaskEvents(identity.company, [task._id]);
    return { ...result, dequeued, deleted_models: cleanup.deleted_models, ...(request.return_file_urls && { urls: cleanup.urls }) };
  });
}

function isDevelopment(task: TaskDoc): boolean {
  return task.system_tags?.includes('development') ?? false;
}

function isRunByWorker(task: TaskDoc): boolean {
  return Boolean(task.last_worker && task.last_update && Date.now() - task.last_update.getTime() < WORKER_TASK_TIMEOUT_MS);
}

/** What a reset clears (clearml-server's reset_task): the run's results, and with clear_all its execution and script. */
function resetFields(task: TaskDoc, clearAll: boolean) {
  // unique_metrics counts last_metrics' series against their cap (entity-metrics.ts): it goes with them.
  const set: Record<string, unknown> = { last_iteration: 0, last_metrics: {}, unique_metrics: [], 'models.output': [], runtime: {} };
  const unset = ['output.result', 'output.error', 'last_worker', 'last_worker_report', 'started', 'completed', 'published', 'enqueue_status'];
  if (clearAll) {
    set.execution = {};
    unset.push('script');
  } else {
    unset.push('execution.queue');
    const artifacts = (task.execution?.artifacts ?? {}) as Record<string, { mode?: string }>;
    set['execution.artifacts'] = Object.fromEntries(Object.entries(artifacts).filter(([, artifact]) => artifact.mode === 'input'));
  }
  return { set, unset };
}
