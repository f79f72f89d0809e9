import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { WardenError } from '@warden/errors';
import { modelOn } from '@warden/backends';
import type { TaskStatus } from './task-status';
import { serializeWrites } from './write-queue';

/** ClearML's ids: a uuid4 as 32 lowercase hex digits. */
export function newId(): string {
  return randomUUID().replace(/-/g, '');
}

type Doc = Record<string, unknown>;

export interface ProjectDoc {
  _id: string;
  company: string;
  user: string;
  name: string;
  basename: string;
  /** The parent project's id, and the ids from the top-level ancestor down to the parent (ClearML's `parent`, `path`). */
  parent?: string;
  path?: string[];
  description?: string;
  tags?: string[];
  system_tags?: string[];
  default_output_destination?: string;
  created: Date;
  last_update: Date;
}

export interface TaskDoc {
  _id: string;
  company: string;
  user: string;
  name: string;
  type: string;
  status: TaskStatus;
  status_reason?: string;
  status_message?: string;
  status_changed?: Date;
  comment?: string;
  created: Date;
  started?: Date;
  completed?: Date;
  published?: Date;
  last_update?: Date;
  last_change?: Date;
  last_changed_by?: string;
  parent?: string;
  project?: string;
  output?: Doc;
  /** `execution.artifacts` is a map keyed by artifactId(), answered as a list. */
  execution?: Doc;
  script?: Doc;
  runtime?: Doc;
  hyperparams?: Doc;
  configuration?: Doc;
  models?: { input?: TaskModelItem[]; output?: TaskModelItem[] };
  container?: Doc;
  tags?: string[];
  system_tags?: string[];
  last_iteration?: number;
  last_metrics?: Doc;
  /** The `<metric hash>.<variant hash>` keys of last_metrics (internal, never answered): bounds its size. */
  unique_metrics?: string[];
  /** The status a queued task had before it was enqueued: a dequeue returns it there. */
  enqueue_status?: TaskStatus;
  /** The worker that last reported running this task, and when. */
  last_worker?: string;
  last_worker_report?: Date;
}

export interface TaskModelItem {
  name: string;
  model: string;
  updated?: Date;
}

export interface ModelDoc {
  _id: string;
  company: string;
  user: string;
  name: string;
  uri?: string;
  comment?: string;
  tags?: string[];
  system_tags?: string[];
  framework?: string;
  design?: Doc;
  labels?: Doc;
  ready: boolean;
  project?: string;
  parent?: string;
  task?: string;
  ui_cache?: Doc;
  metadata?: Doc;
  last_iteration?: number;
  last_metrics?: Doc;
  unique_metrics?: string[];
  created: Date;
  last_update?: Date;
  last_change?: Date;
  last_changed_by?: string;
}

// Indexes are created by ensureIndexes(), never implicitly; empty objects are kept (a task's `runtime: {}`).
const options = { versionKey: false, autoIndex: false, autoCreate: false, minimize: false } as const;
const { Mixed } = Schema.Types;

// Fields every kind of object has: its id, owner and name, tags, and when it was made and changed.
const owned = {
  _id: { type: String, required: true },
  company: { type: String, required: true },
  user: { type: String, required: true },
  name: { type: String, required: true },
  tags: [String],
  system_tags: [String],
  created: { type: Date, required: true },
  last_update: Date,
  last_change: Date,
  last_changed_by: String,
};

/** Every query is scoped to a company, so every index starts with it. */
function companyIndexes(schema: Schema, fields: string[]): void {
  for (const field of fields) schema.index({ company: 1, [field]: field === 'last_update' ? -1 : 1 });
}

const projectSchema = new Schema<ProjectDoc>(
  {
    ...owned,
    basename: { type: String, required: true },
    parent: String,
    path: { type: [String], default: undefined },
    description: String,
    default_output_destination: String,
  },
  options,
);
projectSchema.index({ company: 1, name: 1 }, { unique: true });
companyIndexes(projectSchema, ['system_tags']);

const taskSchema = new Schema<TaskDoc>(
  {
    ...owned,
    type: { type: String, required: true },
    status: { type: String, required: true },
    status_reason: String,
    status_message: String,
    status_changed: Date,
    comment: String,
    started: Date,
    completed: Date,
    published: Date,
    parent: String,
    project: String,
    output: Mixed,
    execution: Mixed,
    script: Mixed,
    runtime: Mixed,
    hyperparams: Mixed,
    configuration: Mixed,
    models: Mixed,
    container: Mixed,
    last_iteration: Number,
    last_metrics: Mixed,
    unique_metrics: { type: [String], default: undefined },
    enqueue_status: String,
    last_worker: String,
    last_worker_report: Date,
  },
  options,
);
companyIndexes(taskSchema, ['project', 'status', 'name', 'type', 'user', 'parent', 'system_tags', 'last_update', 'models.input.model']);

const modelSchema = new Schema<ModelDoc>(
  {
    ...owned,
    uri: String,
    comment: String,
    framework: String,
    design: Mixed,
    labels: Mixed,
    ready: { type: Boolean, required: true },
    project: String,
    parent: String,
    task: String,
    ui_cache: Mixed,
    metadata: Mixed,
    last_iteration: Number,
    last_metrics: Mixed,
    unique_metrics: { type: [String], default: undefined },
  },
  options,
);
companyIndexes(modelSchema, ['project', 'task', 'name', 'uri', 'system_tags']);

export interface QueueDoc {
  _id: string;
  company: string;
  user: string;
  name: string;
  display_name?: string;
  tags?: string[];
  system_tags?: string[];
  metadata?: Doc;
  created: Date;
  last_update?: Date;
}

/**
 * One waiting task of a queue, a document of its own: the MongoDB-wire test server applies
 * concurrent updates of one document without isolation (20 concurrent $push keep as few as 2),
 * while inserts against a unique index and deletes of one document are decided once.
 */
export interface QueueEntryDoc {
  _id: string;
  company: string;
  queue: string;
  task: string;
  added: Date;
  /** First in, first out: the enqueue time in microseconds plus a per-process counter. */
  order: number;
}

const queueSchema = new Schema<QueueDoc>(
  {
    ...owned,
    display_name: String,
    metadata: Mixed,
  },
  options,
);
queueSchema.index({ company: 1, name: 1 }, { unique: true });
companyIndexes(queueSchema, ['system_tags']);

const queueEntrySchema = new Schema<QueueEntryDoc>(
  {
    _id: { type: String, required: true },
    company: { type: String, required: true },
    queue: { type: String, required: true },
    task: { type: String, required: true },
    added: { type: Date, required: true },
    order: { type: Number, required: true },
  },
  options,
);
// A task waits in a queue at most once.
queueEntrySchema.index({ company: 1, queue: 1, task: 1 }, { unique: true });
queueEntrySchema.index({ company: 1, queue: 1, order: 1 });
queueEntrySchema.index({ company: 1, task: 1 });

/**
 * A write the database cannot hold because the document would pass 16 MiB: the driver's BSON
 * buffer overflows while serializing it (a RangeError), or the server refuses it (10334, or 17419
 * and 17420 for an update). A request under the body limit can cause it (a JSON array costs 2
 * bytes an element, BSON about 10), and edits add up, so it is the client's doing, not a 500.
 */
function isDocumentTooLarge(error: unknown): boolean {
  // By name, not instanceof: Node's own errors come from another realm under test runners.
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return (name === 'RangeError' && code === 'ERR_OUT_OF_RANGE') || code === 10334 || code === 17419 || code === 17420;
}

/**
 * A filter or update value the schema cannot cast (a date field given an object, $size on a text):
 * mongoose refuses it before the database sees it, and every such value came from a client. The
 * request builders refuse what they know of with a precise message; this catches what they miss.
 */
function uncastable(error: unknown): WardenError | undefined {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (typeof message !== 'string') return undefined;
  if (name !== 'CastError' && !/^Can't use \$\w+ with \w+/.test(message)) return undefined;
  return new WardenError('ERR_BAD_REQUEST', `a value does not fit its field: ${message.slice(0, 300)}`);
}

const QUERIES = /^(find|findOne|countDocuments|distinct|deleteOne|deleteMany|findOneAndDelete)$/;
const WRITES = /^(save|updateOne|updateMany|insertMany|findOneAndUpdate)$/;

for (const schema of [projectSchema, taskSchema, modelSchema, queueSchema] as Schema[]) {
  serializeWrites(schema);
  schema.post(QUERIES, { errorHandler: true }, (error: unknown, _result: unknown, next: (error?: Error) => void) => {
    next(uncastable(error) ?? (error as Error));
  });
  schema.post(WRITES, { errorHandler: true }, (error: unknown, _result: unknown, next: (error?: Error) => void) => {
    next(isDocumentTooLarge(error) ? new WardenError('ERR_DOCUMENT_TOO_LARGE') : (uncastable(error) ?? (error as Error)));
  });
}

export interface ExperimentModels {
  projects: Model<ProjectDoc>;
  tasks: Model<TaskDoc>;
  models: Model<ModelDoc>;
  queues: Model<QueueDoc>;
  queueEntries: Model<QueueEntryDoc>;
}

export function experimentModels(connection: Connection): ExperimentModels {
  return {
    projects: modelOn(connection, 'Project', projectSchema, 'projects'),
    tasks: modelOn(connection, 'Task', taskSchema, 'tasks'),
    models: modelOn(connection, 'Model', modelSchema, 'models'),
    queues: modelOn(connection, 'Queue', queueSchema, 'queues'),
    queueEntries: modelOn(connection, 'QueueEntry', queueEntrySchema, 'queue_entries'),
  };
}

export async function ensureIndexes(models: ExperimentModels): Promise<void> {
  for (const model of Object.values(models) as Model<unknown>[]) await model.createIndexes();
}
