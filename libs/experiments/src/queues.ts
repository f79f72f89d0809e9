import { WardenError } from '@warden/errors';
import type { Identity } from './context';
import { newId, type ExperimentModels, type QueueDoc, type QueueEntryDoc } from './documents';
import { compact, fromStored, isoDate } from './stored-values';

// A queue's waiting tasks are documents of their own (see QueueEntryDoc): an entry is added by
// an insert the unique index decides, and taken by deleting it, which one caller alone succeeds
// at. No step relies on a multi-document transaction or on an update being isolated, so two
// workers asking for the next task at once never get the same one, on MongoDB or its stand-in.

const DEFAULT_QUEUE_TAG = 'default';
const DEFAULT_QUEUE_NAME = 'default';

export type QueueModels = Pick<ExperimentModels, 'queues' | 'queueEntries'>;

/** The entries of each of these queues, first out first. */
export async function entriesOf(db: QueueModels, company: string, queueIds: readonly string[]): Promise<Map<string, QueueEntryDoc[]>> {
  const entries = await db.queueEntries
    .find({ company, queue: { $in: [...queueIds] } })
    .sort({ order: 1, _id: 1 })
    .lean<QueueEntryDoc[]>();
  const byQueue = new Map<string, QueueEntryDoc[]>(queueIds.map((queueId) => [queueId, []]));
  for (const entry of entries) byQueue.get(entry.queue)?.push(entry);
  return byQueue;
}

export function queueView(doc: QueueDoc, entries: readonly QueueEntryDoc[], maxEntries?: number) {
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
    entries: entries.slice(0, maxEntries).map((entry) => ({ task: entry.task, added: isoDate(entry.added) })),
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
export async function createQueue(db: QueueModels, identity: Identity, fields: NewQueue): Promise<QueueDoc> {
  const now = new Date();
  const doc: QueueDoc = { _id: newId(), company: identity.company, user: identity.user, created: now, last_update: now, ...compact(fields) };
  try {
    await db.queues.create(doc);
  } catch (error) {
    if (isDuplicateKey(error)) throw new WardenError('ERR_QUEUE_EXISTS', `a queue named ${fields.name} already exists`, { name: fields.name });
    throw error;
  }
  return doc;
}

export async function mustFindQueue(db: QueueModels, company: string, queueId: string): Promise<QueueDoc> {
  const doc = await db.queues.findOne({ _id: queueId, company }).lean<QueueDoc>();
  if (!doc) throw new WardenError('ERR_INVALID_QUEUE_ID', `queue ${queueId} not found`, { queue: queueId });
  return doc;
}

/** The queue of that name, created on first use (tasks.enqueue with queue_name, as in ClearML). */
export async function queueNamed(db: QueueModels, identity: Identity, name: string): Promise<QueueDoc> {
  const find = () => db.queues.findOne({ company: identity.company, name }).lean<QueueDoc>();
  const found = await find();
  if (found) return found;
  try {
    return await createQueue(db, identity, { name, tags: [], system_tags: [] });
  } catch (error) {
    // Another call created it between the two steps.
    const raced = await find();
    if (raced) return raced;
    throw error;
  }
}

/**
 * The company's queue tagged `default`. clearml-server creates one per company at start-up; a
 * tenant here gets it on first use, named `default` (an existing queue of that name is tagged).
 */
export async function defaultQueue(db: QueueModels, identity: Identity): Promise<QueueDoc> {
  const tagged = () => db.queues.find({ company: identity.company, system_tags: DEFAULT_QUEUE_TAG }).limit(2).lean<QueueDoc[]>();
  let found = await tagged();
  if (found.length === 0) {
    await ensureDefaultQueue(db, identity);
    found = await tagged();
  }
  if (found.length > 1) throw new WardenError('ERR_MULTIPLE_DEFAULT_QUEUES', undefined, { queues: found.map((q) => q._id) });
  if (!found[0]) throw new WardenError('ERR_INTERNAL', 'the default queue could not be created');
  return found[0];
}

async function ensureDefaultQueue(db: QueueModels, identity: Identity): Promise<void> {
  const now = new Date();
  const upsert = () =>
    db.queues.updateOne(
      { company: identity.company, name: DEFAULT_QUEUE_NAME },
      {
        $setOnInsert: { _id: newId(), user: identity.user, tags: [], created: now },
        $addToSet: { system_tags: DEFAULT_QUEUE_TAG },
        $set: { last_update: now },
      },
      { upsert: true },
    );
  try {
    await upsert();
  } catch (error) {
    // Two first uses at once: the unique name let one insert; the other now finds and tags it.
    if (!isDuplicateKey(error)) throw error;
    await upsert();
  }
}

let counter = 0;
/** Enqueue order: microseconds, with a counter for calls within the same millisecond. */
function nextOrder(now: Date): number {
  counter = (counter + 1) % 1000;
  return now.getTime() * 1000 + counter;
}

/** Appends the task to the queue; the unique index refuses a second entry of it (task_already_queued). */
export async function addEntry(db: QueueModels, company: string, queueId: string, taskId: string): Promise<void> {
  await mustFindQueue(db, company, queueId);
  const now = new Date();
  try {
    await db.queueEntries.create({ _id: newId(), company, queue: queueId, task: taskId, added: now, order: nextOrder(now) });
  } catch (error) {
    if (isDuplicateKey(error))
      throw new WardenError('ERR_TASK_ALREADY_QUEUED', `task ${taskId} is already in queue ${queueId}`, { task: taskId, queue: queueId });
    throw error;
  }
  await db.queues.updateOne({ _id: queueId, company }, { $set: { last_update: now } });
}

/** Removes the task from that queue; how many entries went (0 or 1). */
export async function removeEntry(db: QueueModels, company: string, queueId: string, taskId: string): Promise<number> {
  return (await db.queueEntries.deleteMany({ company, queue: queueId, task: taskId })).deletedCount;
}

/** Removes the task from every queue of the company but `except`. */
export async function removeFromAllQueues(db: QueueModels, company: string, taskId: string, except?: string): Promise<void> {
  await db.queueEntries.deleteMany({ company, task: taskId, ...(except && { queue: { $ne: except } }) });
}

const POP_BATCH = 10;

/**
 * Takes the first entry off the queue: of the oldest entries, the first this call manages to
 * delete is its own; every other caller's delete of it finds nothing. With `taskId`, only if
 * that task is first. Undefined when there is nothing to take.
 */
export async function popEntry(db: QueueModels, company: string, queueId: string, taskId?: string): Promise<QueueEntryDoc | undefined> {
  await mustFindQueue(db, company, queueId);
  for (;;) {
    const oldest = await db.queueEntries
      .find({ company, queue: queueId })
      .sort({ order: 1, _id: 1 })
      .limit(taskId ? 1 : POP_BATCH)
      .lean<QueueEntryDoc[]>();
    if (oldest.length === 0 || (taskId && oldest[0].task !== taskId)) return undefined;
    for (const entry of oldest) {
      if ((await db.queueEntries.deleteOne({ _id: entry._id, company })).deletedCount === 1) return entry;
    }
  }
}
