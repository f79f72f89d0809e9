import { z } from 'zod';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import { WardenError } from '@warden/errors';
import { listFilter, listPage, mustFind, type Context } from './context';
import { pick } from './query';
import type { QueueDoc } from './documents';
import { addEntry, createQueue, defaultQueue, entriesOf, mustFindQueue, popEntry, queueView, removeEntry } from './queues';
import { id, int, listFields, opt, parseRequest } from './request';
import { isoDate, toStored } from './stored-values';

const metadataItem = z.object({ key: opt.text, type: opt.text, value: opt.text });
const maxEntries = opt.of(int.pipe(z.number().min(0)));
const createRequest = z.object({
  name: z.string().trim().min(3, 'must be at least 3 characters long').max(1024),
  display_name: opt.of(z.string().max(1024)),
  tags: opt.tags,
  system_tags: opt.tags,
  metadata: opt.of(z.record(metadataItem)),
});
const queueRequest = z.object({ queue: id, max_task_entries: maxEntries });
const getAllRequest = z.object({ ...listFields, max_task_entries: maxEntries });
const nextTaskRequest = z.object({ queue: id, task: opt.id, get_task_info: opt.flag });
const entryRequest = z.object({ queue: id, task: id });
const noFields = z.object({});

/** queues.*: company-scoped FIFO queues of tasks that workers take their next task from. */
export function registerQueueEndpoints(api: ClearmlApi<TokenAuth>, ctx: Context): void {
  const { queues, tasks } = ctx.db;
  const withEntries = async (company: string, docs: QueueDoc[], maxEntries?: number) => {
    const entries = await entriesOf(
      ctx.db,
      company,
      docs.map((doc) => doc._id),
    );
    return docs.map((doc) => queueView(doc, entries.get(doc._id) ?? [], maxEntries));
  };

  api.endpoint('queues.create', { auth: 'token' }, async ({ auth, data }) => {
    const request = parseRequest(createRequest, data);
    const queue = await createQueue(ctx.db, auth.claims.identity, {
      name: request.name,
      display_name: request.display_name,
      tags: request.tags ?? [],
      system_tags: request.system_tags ?? [],
      metadata: request.metadata && toStored(request.metadata, 'metadata'),
    });
    return { id: queue._id };
  });

  api.endpoint('queues.get_by_id', { auth: 'token' }, async ({ auth, data }) => {
    const { company } = auth.claims.identity;
    const request = parseRequest(queueRequest, data);
    const [queue] = await withEntries(company, [await mustFindQueue(ctx.db, company, request.queue)], request.max_task_entries);
    return { queue };
  });

  api.endpoint('queues.get_all', { auth: 'token' }, async ({ auth, data }) => {
    const { company } = auth.claims.identity;
    const request = parseRequest(getAllRequest, data);
    const docs = await listPage(queues, listFilter(company, request), request);
    return { queues: (await withEntries(company, docs, request.max_task_entries)).map((view) => pick(view, request.only_fields)) };
  });

  api.endpoint('queues.get_default', { auth: 'token' }, async ({ auth, data }) => {
    parseRequest(noFields, data);
    const queue = await defaultQueue(ctx.db, auth.claims.identity);
    return { id: queue._id, name: queue.name };
  });

  api.endpoint('queues.get_num_entries', { auth: 'token' }, async ({ auth, data }) => {
    const request = parseRequest(queueRequest, data);
    const { company } = auth.claims.identity;
    await mustFindQueue(ctx.db, company, request.queue);
    return { num: await ctx.db.queueEntries.countDocuments({ company, queue: request.queue }) };
  });

  api.endpoint('queues.get_next_task', { auth: 'token' }, async ({ auth, data }) => {
    const { company } = auth.claims.identity;
    const request = parseRequest(nextTaskRequest, data);
    const entry = await popEntry(ctx.db, company, request.queue, request.task);
    if (!entry) return {};
    const task = await tasks.findOne({ _id: entry.task, company }, { company: 1, user: 1, status: 1 }).lean();
    // A task stopped while it was being enqueued again (clearml-server's race fix) is queued after all.
    if (task?.status === 'stopped') await tasks.updateOne({ _id: task._id, company, status: 'stopped' }, { $set: { status: 'queued' } });
    const info = task && request.get_task_info ? { task_info: { company: task.company, user: task.user } } : {};
    return { entry: { task: entry.task, added: isoDate(entry.added) }, ...info };
  });

  api.endpoint('queues.add_task', { auth: 'token' }, async ({ auth, data }) => {
    const { company } = auth.claims.identity;
    const request = parseRequest(entryRequest, data);
    // Only the caller's own tasks go into its queues.
    await mustFind(tasks, company, request.task, 'ERR_INVALID_TASK_ID', 'task');
    await addEntry(ctx.db, company, request.queue, request.task);
    return { added: 1 };
  });

  api.endpoint('queues.remove_task', { auth: 'token' }, async ({ auth, data }) => {
    const { company } = auth.claims.identity;
    const request = parseRequest(entryRequest, data);
    const removed = await removeEntry(ctx.db, company, request.queue, request.task);
    if (removed) return { removed };
    await mustFindQueue(ctx.db, company, request.queue);
    throw new WardenError('ERR_TASK_NOT_IN_QUEUE', `task ${request.task} is not in queue ${request.queue}`, { task: request.task, queue: request.queue });
  });
}
