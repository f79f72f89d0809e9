import type { ModelDoc, ProjectDoc, TaskDoc } from './documents';
import { lastMetricsView } from './entity-metrics';
import { compact, fromStored, isoDate } from './stored-values';
import { isPlainObject } from './query';

// What get_by_id/get_all answer. The SDK type-checks these (a wrong type voids the whole answer),
// so ids are strings, datetimes ISO strings, and collections default to empty ones.

export function projectView(doc: Partial<ProjectDoc> & { _id: string }) {
  return compact({
    id: doc._id,
    name: doc.name,
    basename: doc.basename,
    parent: doc.parent,
    description: doc.description ?? '',
    user: doc.user,
    company: doc.company,
    created: isoDate(doc.created),
    last_update: isoDate(doc.last_update),
    tags: doc.tags ?? [],
    system_tags: doc.system_tags ?? [],
    default_output_destination: doc.default_output_destination,
  });
}

function sortedArtifacts(artifacts: unknown): unknown[] {
  if (!isPlainObject(artifacts)) return [];
  return Object.values(artifacts).sort((a, b) => String((a as { key?: unknown }).key).localeCompare(String((b as { key?: unknown }).key)));
}

export function taskView(doc: Partial<TaskDoc> & { _id: string }) {
  const execution = (fromStored(doc.execution ?? {}) ?? {}) as Record<string, unknown>;
  const models = (fromStored(doc.models ?? {}) ?? {}) as Record<string, unknown>;
  return compact({
    id: doc._id,
    name: doc.name,
    user: doc.user,
    company: doc.company,
    project: doc.project,
    parent: doc.parent,
    type: doc.type,
    status: doc.status,
    status_reason: doc.status_reason ?? '',
    status_message: doc.status_message ?? '',
    status_changed: isoDate(doc.status_changed),
    comment: doc.comment ?? '',
    created: isoDate(doc.created),
    started: isoDate(doc.started),
    completed: isoDate(doc.completed),
    published: isoDate(doc.published),
    last_update: isoDate(doc.last_update),
    last_change: isoDate(doc.last_change),
    last_changed_by: doc.last_changed_by,
    output: fromStored(doc.output ?? {}),
    execution: { ...execution, artifacts: sortedArtifacts(execution.artifacts) },
    script: fromStored(doc.script ?? {}),
    runtime: fromStored(doc.runtime ?? {}),
    hyperparams: fromStored(doc.hyperparams ?? {}),
    configuration: fromStored(doc.configuration ?? {}),
    models: { ...models, input: models.input ?? [], output: models.output ?? [] },
    container: fromStored(doc.container ?? {}),
    tags: doc.tags ?? [],
    system_tags: doc.system_tags ?? [],
    last_iteration: doc.last_iteration ?? 0,
    last_metrics: lastMetricsView(fromStored(doc.last_metrics ?? {})),
  });
}

export function modelView(doc: Partial<ModelDoc> & { _id: string }) {
  return compact({
    id: doc._id,
    name: doc.name,
    user: doc.user,
    company: doc.company,
    created: isoDate(doc.created),
    last_update: isoDate(doc.last_update),
    last_change: isoDate(doc.last_change),
    task: doc.task,
    parent: doc.parent,
    project: doc.project,
    comment: doc.comment ?? '',
    tags: doc.tags ?? [],
    system_tags: doc.system_tags ?? [],
    framework: doc.framework,
    design: fromStored(doc.design ?? {}),
    labels: fromStored(doc.labels ?? {}),
    uri: doc.uri,
    ready: doc.ready ?? false,
    ui_cache: fromStored(doc.ui_cache ?? {}),
    metadata: fromStored(doc.metadata ?? {}),
    last_iteration: doc.last_iteration,
    last_metrics: lastMetricsView(fromStored(doc.last_metrics ?? {})),
  });
}
