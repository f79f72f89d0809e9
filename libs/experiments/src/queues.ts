import type { Model } from 'mongoose';
import { WardenError } from '@warden/errors';
import type { Identity } from './context';
import { newId, type QueueDoc, type QueueEntry } from './documents';
import { compact, fromStored, isoDate } from './stored-values';

// A queue's entries change only through single-document atomic updates ($push conditioned on the
// task's absence, $pop, $pull): the MongoDB-wire test server has no transactions, and two workers
// asking for the next task at once must never get the same one.

export const DEFAULT_QUEUE_TAG = 'default';
const DEFAULT_QUEUE_NAME = 'default';

export type Queues = Model<QueueDoc>;

export function queueView(doc: Partial<QueueDoc> & { _id: string }, maxEntries?: number) {
  const entries = (doc.entries ?? []).slice(0, maxEntries ?? undefined).map((e) => ({ task: e.task, added: isoDate(e.added) }));
  return compact({
    id: doc._id,
    name: doc.name,
    display_name: doc.display_name,
    user: doc.user,
    company: doc.company,
    created: isoDate(doc.created),
    last_update: isoDate(doc.last_update),
    tags: doc.tags ?? [],
    system_tags: doc.system_tags ?? [],
    entries,
    metadata: fromStored(doc.metadata ?? {}),
  });
}

const isDuplicateKey = (error: unknown) => (error as { code?: unknown } | null)?.code === 11000;

// A type, not an interface: compact() takes records.
export type NewQueue = {
  name: string;
  display_name?: string;
  tags?: string[];
  system_tags?: string[];
  metadata?: Record<string, unknown>;
};

/** A new queue; names are unique within a company (ClearML's expected_unique_data). */
export async function createQueue(queues: Queues, identity: Identity, fields: NewQueue): Promise<QueueDoc> {
  const now = new Date();
  const doc: QueueDoc = { _id: newId(), company: identity.company, user: identity.user, entries: [], created: now, last_update: now, ...compact(fields) };
  try {
    await queues.create(doc);
  } catch (error) {
    if (isDuplicateKey(error)) throw new WardenError('ERR_QUEUE_EXISTS', `a queue named ${fields.name} already exists`, { name: fields.name });
    throw error;
  }
  return doc;
}

export function mustFindQueue(queues: Queues, company: string, queueId: string): Promise<QueueDoc> {
  return queues
    .findOne({ _id: queueId, company })
    .lean<QueueDoc>()
    .then((doc) => {
      if (!doc) throw new WardenError('ERR_INVALID_QUEUE_ID', `queue ${queueId} not found`, { queue: queueId });
      return doc;
    });
}

/** The queue of that name, created on first use (tasks.enqueue with queue_name, as in ClearML). */
export async function queueNamed(queues: Queues, identity: Identity, name: string): Promise<QueueDoc> {
  const found = await queues.findOne({ company: identity.company, name }).lean<QueueDoc>();
  if (found) return found;
  try {
    return await createQueue(queues, identity, { name });
  } catch (error) {
    // Another call created it between the two steps.
    const raced = await queues.findOne({ company: identity.company, name }).lean<QueueDoc>();
    if (raced) return raced;
    throw error;
  }
}

/**
 * The company's queue tagged `default`. clearml-server creates one per company at start-up; a
 * tenant here gets it on first use, named `default` (an existing queue of that name is tagged).
 */
export async function defaultQueue(queues: Queues, identity: Identity): Promise<QueueDoc> {
  const { company } = identity;
  let tagged = await queues.find({ company, system_tags: DEFAULT_QUEUE_TAG }).limit(2).lean<QueueDoc[]>();
  if (tagged.length === 0) {
    await ensureDefaultQueue(queues, identity);
    tagged = await queues.find({ company, system_tags: DEFAULT_QUEUE_TAG }).limit(2).lean<QueueDoc[]>();
  }
  if (tagged.length > 1) throw new WardenError('ERR_MULTIPLE_DEFAULT_QUEUES', undefined, { queues: tagged.map((q) => q._id) });
  if (!tagged[0]) throw new WardenError('ERR_INTERNAL', 'the default queue could not be created');
  return tagged[0];
}

async function ensureDefaultQueue(queues: Queues, identity: Identity): Promise<void> {
  const now = new Date();
  const upsert = () =>
    queues.updateOne(
      { company: identity.company, name: DEFAULT_QUEUE_NAME },
      {
        $setOnInsert: { _id: newId(), user: identity.user, entries: [], tags: [], created: now },
        $addToSet: { system_tags: DEFAULT_QUEUE_TAG },
        $set: { last_update: now },
      },
      { upsert: true },
    );
  try {
    await upsert();
  } catch (error) {
    // Two first uses at once: one inserted, the other now finds and tags it.
    if (!isDuplicateKey(error)) throw error;
    await upsert();
  }
}

/** Appends the task unless it is already in that queue; atomic on the queue document. */
export async function addEntry(queues: Queues, company: string, queueId: string, taskId: string): Promise<void> {
  const now = new Date();
  const entry: QueueEntry = { task: taskId, added: now };
  const result = await queues.updateOne({ _id: queueId, company, 'entries.task': { $ne: taskId } }, { $push: { entries: entry }, $set: { last_update: now } });
  if (result.matchedCount === 1) return;
  await mustFindQueue(queues, company, queueId);
  throw new WardenError('ERR_TASK_ALREADY_QUEUED', `task ${taskId} is already in queue ${queueId}`, { task: taskId, queue: queueId });
}

/** Removes every entry of the task from that queue; how many were there (0 or 1). */
export async function removeEntry(queues: Queues, company: string, queueId: string, taskId: string): Promise<number> {
  const result = await queues.updateOne(
    { _id: queueId, company, 'entries.task': taskId },
    { $pull: { entries: { task: taskId } }, $set: { last_update: new Date() } },
  );
  return result.modifiedCount;
}

/** Removes the task from every queue of the company but `except`. */
export async function removeFromAllQueues(queues: Queues, company: string, taskId: string, except?: string): Promise<void> {
  const filter: Record<string, unknown> = { company, 'entries.task': taskId };
  if (except) filter._id = { $ne: except };
  await queues.updateMany(filter, { $pull: { entries: { task: taskId } }, $set: { last_update: new Date() } });
}

/**
 * Takes the first entry off the queue in one findOneAndUpdate ($pop answers the document as it
 * was, so the popped entry is its first): two callers never get the same entry. With `taskId`,
 * only if that task is first. Undefined when there is nothing to take.
 */
export async function popEntry(queues: Queues, company: string, queueId: string, taskId?: string): Promise<QueueEntry | undefined> {
  const filter: Record<string, unknown> = { _id: queueId, company, 'entries.0': { $exists: true } };
  if (taskId) filter['entries.0.task'] = taskId;
  const before = await queues.findOneAndUpdate(filter, { $pop: { entries: -1 }, $set: { last_update: new Date() } }, { new: false }).lean<QueueDoc>();
  if (before) return before.entries[0];
  await mustFindQueue(queues, company, queueId);
  return undefined;
}
