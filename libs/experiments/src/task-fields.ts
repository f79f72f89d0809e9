import { createHash } from 'node:crypto';
import { z } from 'zod';
import { compact, toStored, toStoredFields } from './stored-values';
import { TASK_TYPES } from './task-status';
import { id, json, opt } from './request';

// The task document fields clients set (tasks.create/edit), shaped as in clearml-server's
// schema/services/_tasks_common.conf; unknown keys inside them are dropped like top-level ones.

const str = opt.text;
// Script diffs and configuration values can be large; the request body limit bounds them.
const longText = opt.of(z.string());

export const artifactSchema = z.object({
  key: z.string().min(1, 'must not be empty').max(1024),
  type: z.string().max(256),
  mode: opt.of(z.enum(['input', 'output'])).transform((mode) => mode ?? 'output'),
  uri: str,
  content_size: opt.int,
  hash: str,
  timestamp: opt.int,
  type_data: opt.of(z.object({ preview: longText, content_type: str, data_hash: str })),
  display_data: opt.of(z.array(z.array(z.unknown()))),
});
export type Artifact = z.output<typeof artifactSchema>;

export const artifactIdSchema = z.object({
  key: z.string().min(1, 'must not be empty').max(1024),
  mode: opt.of(z.enum(['input', 'output'])).transform((mode) => mode ?? 'output'),
});

/** Artifacts are stored as a map keyed by key and mode (upserted one by one); the key is hashed so any text fits a field name. */
export function artifactId(artifact: { key: string; mode: string }): string {
  return `${createHash('sha256').update(artifact.key).digest('hex').slice(0, 32)}_${artifact.mode}`;
}

const execution = z.object({
  queue: str,
  parameters: opt.json,
  model: str,
  model_desc: opt.json,
  model_labels: opt.of(z.record(z.number().int())),
  framework: str,
  docker_cmd: str,
  test_split: opt.int,
  artifacts: opt.of(z.array(artifactSchema)),
});

const script = z.object({
  binary: str,
  repository: str,
  tag: str,
  branch: str,
  version_num: str,
  entry_point: str,
  working_dir: str,
  requirements: opt.json,
  diff: longText,
});

const paramsItem = z.object({ section: str, name: str, value: longText, type: str, description: str });
const configurationItem = z.object({ name: str, value: longText, type: str, description: str });
export const modelItem = z.object({ name: z.string().max(1024), model: id });
const taskModels = z.object({ input: opt.of(z.array(modelItem)), output: opt.of(z.array(modelItem)) });

export const taskName = z.string().trim().min(3, 'must be at least 3 characters long').max(1024);
export const taskType = z.enum(TASK_TYPES);

export const taskFields = {
  name: opt.of(taskName),
  type: opt.of(taskType),
  tags: opt.tags,
  system_tags: opt.tags,
  comment: longText,
  parent: opt.id,
  project: opt.id,
  output_dest: str,
  execution: opt.of(execution),
  script: opt.of(script),
  hyperparams: opt.of(z.record(z.record(paramsItem))),
  configuration: opt.of(z.record(configurationItem)),
  models: opt.of(taskModels),
  container: opt.of(z.record(z.string().nullable())),
  runtime: opt.of(json),
};

export type TaskFields = z.output<z.ZodObject<typeof taskFields>>;

// Embedded documents: an edit replaces the keys it names and keeps the others, as clearml-server does.
const EMBEDDED = new Set(['execution', 'script', 'models', 'output']);

/** The stored form of the given task fields: keys escaped, artifacts keyed, output_dest under output. */
export function storedTaskFields(fields: TaskFields, now: Date): Record<string, unknown> {
  const { output_dest, execution, models, ...rest } = fields;
  const stored: Record<string, unknown> = toStoredFields(compact(rest));
  if (output_dest !== undefined) stored.output = { destination: output_dest };
  if (execution) {
    const { artifacts, ...other } = execution;
    stored.execution = {
      ...toStoredFields(compact(other), 'execution'),
      ...(artifacts && { artifacts: Object.fromEntries(artifacts.map((a) => [artifactId(a), toStored(compact(a), 'execution.artifacts')])) }),
    };
  }
  if (models)
    stored.models = Object.fromEntries(Object.entries(compact(models)).map(([kind, items]) => [kind, items?.map((item) => ({ ...item, updated: now }))]));
  return stored;
}

/** The $set of an edit: embedded documents merged key by key, everything else replaced. */
export function editUpdate(stored: Record<string, unknown>): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(stored)) {
    if (!EMBEDDED.has(field) || typeof value !== 'object' || value === null) set[field] = value;
    else for (const [key, inner] of Object.entries(value)) set[`${field}.${key}`] = inner;
  }
  return set;
}
