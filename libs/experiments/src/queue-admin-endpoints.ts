import { z } from 'zod';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import { WardenError } from '@warden/errors';
import type { Context } from './context';
import { dequeueTask } from './dequeue';
import type { TaskDoc } from './documents';
import { mustFindQueue } from './queues';
import { id, opt, parseRequest } from './request';
import { compact, fromStored } from './stored-values';

const updateRequest = z.object({
  queue: id,
  name: opt.of(z.string().trim().min(3, 'must be at least 3 characters long').max(1024)),
  display_name: opt.of(z.string().max(1024)),
  tags: opt.tags,
  system_tags: opt.tags,
});
const deleteRequest = z.object({ queue: id, force: opt.flag });
const peekRequest = z.object({ queue: id });

/** queues.update, queues.delete and queues.peek_task: what admins and the UI do with queues. */
export function registerQueueAdminEndpoints(api: ClearmlApi<TokenAuth>, ctx: Context): void {
  const { queues, queueEntries, tasks } = ctx.db;

  api.endpoint('queues.update', { auth: 'token' }, async ({ auth, data }) => {
    const { company } = auth.claims.identity;
    const { queue, ...request } = parseRequest(updateRequest, data);
    await mustFindQueue(ctx.db, company, queue);
    const fields = { ...compact(request), last_update: new Date() };
    // Checked first: the MongoDB-wire stand-in answers a unique-index clash on update with a generic
    // error, not MongoDB's 11000 (which still covers a rename racing this one there).
    const taken = () => new WardenError('ERR_QUEUE_EXISTS', `a queue named ${request.name} already exists`, { name: request.name });
    if (request.name && (await queues.exists({ company, name: request.name, _id: { $ne: queue } }))) throw taken();
    try {
      await queues.updateOne({ _id: queue, company }, { $set: fields });
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === 11000) throw taken();
      throw error;
    }
    return { updated: 1, fields: fromStored(fields) };
  });

  // ClearML: a queue with tasks waiting is deleted only with force, and its tasks go back to the
  // status they had before they were enqueued.
  api.endpoint('queues.delete', { auth: 'token' }, async ({ auth, data }) => {
    const identity = auth.claims.identity;
    const { company } = identity;
    const request = parseRequest(deleteRequest, data);
    const queue = await mustFindQueue(ctx.db, company, request.queue);
    const waiting = await queueEntries.find({ company, queue: queue._id }, { task: 1 }).lean();
    if (waiting.length && !request.force) {
      throw new WardenError('ERR_QUEUE_NOT_EMPTY', `queue ${queue._id} has ${waiting.length} task(s) waiting: use force=true to delete it`, { id: queue._id });
    }
    const queued = await tasks.find({ company, _id: { $in: waiting.map((e) => e.task) }, status: 'queued', 'execution.queue': queue._id }).lean<TaskDoc[]>();
    for (const task of queued) await dequeueTask(ctx, identity, task, { status_reason: `Queue ${queue._id} was deleted` });
    await queueEntries.deleteMany({ company, queue: queue._id });
    await queues.deleteOne({ _id: queue._id, company });
    return { deleted: 1 };
  });

  api.endpoint('queues.peek_task', { auth: 'token' }, async ({ auth, data }) => {
    const { company } = auth.claims.identity;
    const request = parseRequest(peekRequest, data);
    await mustFindQueue(ctx.db, company, request.queue);
    const [first] = await queueEntries.find({ company, queue: request.queue }, { task: 1 }).sort({ order: 1, _id: 1 }).limit(1).lean();
    return { task: first?.task ?? null };
  });
}
