import { z } from 'zod';
import { WardenError } from '@warden/errors';
import { ARCHIVED, assertModelsFound, DELETED_PREFIX, mustFind, type Context, type Identity } from './context';
import { newId, type TaskDoc, type TaskModelItem } from './documents';
import { findOrCreateProject, normalizeProjectName } from './projects';
import { isPlainObject } from './query';
import { id, opt } from './request';
import { compact } from './stored-values';
import { modelItem, storedTaskFields, taskFields, taskName } from './task-fields';

export const cloneRequest = z.object({
  task: id,
  // Empty values mean "the original's", as in clearml-server.
  new_task_name: opt.of(z.union([z.literal(''), taskName])),
  new_task_comment: opt.of(z.string()),
  new_task_tags: opt.tags,
  new_task_system_tags: opt.tags,
  new_task_parent: opt.id,
  new_task_project: opt.id,
  new_task_hyperparams: taskFields.hyperparams,
  new_task_configuration: taskFields.configuration,
  new_task_container: taskFields.container,
  new_task_input_models: opt.of(z.array(modelItem).max(1000)),
  execution_overrides: taskFields.execution,
  validate_references: opt.flag,
  new_project_name: opt.text,
});
export type CloneRequest = z.output<typeof cloneRequest>;

const INPUT_MODEL_NAME = 'Input Model';
// The SDK's marker of a task run from a developer's machine; a clone is not one.
const DEVELOPMENT = 'development';

const nonEmpty = <T>(value: T[] | undefined) => (value?.length ? value : undefined);
const nonEmptyObject = (value: unknown) => (isPlainObject(value) && Object.keys(value).length > 0 ? value : undefined);

/** The clone's execution: the original's with the overrides' keys replaced, without its queue and output artifacts. */
function clonedExecution(original: TaskDoc['execution'], overrides: unknown): Record<string, unknown> {
  const execution: Record<string, unknown> = { ...original, ...(overrides as Record<string, unknown> | undefined) };
  delete execution.queue;
  if (isPlainObject(execution.artifacts)) {
    execution.artifacts = Object.fromEntries(Object.entries(execution.artifacts).filter(([, a]) => (a as { mode?: string }).mode === 'input'));
  }
  return execution;
}

/**
 * clearml-server's clone_task: a new created task with the original's definition (script,
 * execution, hyperparameters, configuration, container, input models, output destination, tags)
 * and none of its results (output models and artifacts, metrics, iterations, runtime). Every
 * reference is checked before anything is written, so a refused clone creates nothing.
 */
export async function cloneTask(ctx: Context, identity: Identity, request: CloneRequest): Promise<{ id: string; new_project?: { id: string; name: string } }> {
  const { company, user } = identity;
  const { tasks, projects, models } = ctx.db;
  const source = await mustFind(tasks, company, request.task, 'ERR_INVALID_TASK_ID', 'task');
  const now = new Date();

  const { model, docker_cmd, ...executionOverrides } = request.execution_overrides ?? {};
  const givenInputs = nonEmpty(request.new_task_input_models) ?? (model ? [{ name: INPUT_MODEL_NAME, model }] : undefined);
  const [image, ...args] = (docker_cmd ?? '').split(' ');
  const container = nonEmptyObject(request.new_task_container) ?? (docker_cmd ? { image, arguments: args.join(' ') } : undefined);
  const overrides = storedTaskFields(
    {
      hyperparams: request.new_task_hyperparams,
      configuration: request.new_task_configuration,
      container: container as Record<string, string> | undefined,
      execution: request.execution_overrides && executionOverrides,
      models: givenInputs && { input: givenInputs },
    },
    now,
  );

  const validate = request.validate_references ?? false;
  const parent = request.new_task_parent ?? (source.parent && !source.parent.startsWith(DELETED_PREFIX) ? source.parent : source._id);
  if ((validate || request.new_task_parent) && !parent.startsWith(DELETED_PREFIX) && !(await tasks.exists({ _id: parent, company }))) {
    throw new WardenError('ERR_INVALID_TASK_ID', `invalid parent ${parent}`, { parent });
  }
  const project = request.new_task_project ?? source.project;
  if ((validate || request.new_task_project) && project) await mustFind(projects, company, project, 'ERR_INVALID_PROJECT_ID', 'project');
  const inputs = (overrides.models as { input?: TaskModelItem[] } | undefined)?.input ?? source.models?.input ?? [];
  if (validate || givenInputs) await assertModelsFound(models, company, inputs);

  // A project by name only when no project id was given; found or made after every check passed.
  const projectName = request.new_task_project ? undefined : request.new_project_name || undefined;
  if (projectName !== undefined) normalizeProjectName(projectName);
  const targetProject = projectName !== undefined ? await findOrCreateProject(ctx.db, identity, projectName) : project;

  const doc: TaskDoc = {
    _id: newId(),
    company,
    user,
    name: request.new_task_name || source.name,
    type: source.type,
    status: 'created',
    status_changed: now,
    comment: request.new_task_comment || source.comment,
    created: now,
    last_update: now,
    last_change: now,
    last_changed_by: user,
    parent,
    project: targetProject,
    tags: nonEmpty(request.new_task_tags) ?? source.tags ?? [],
    system_tags: nonEmpty(request.new_task_system_tags) ?? (source.system_tags ?? []).filter((tag) => tag !== DEVELOPMENT && tag !== ARCHIVED),
    script: source.script,
    ...(source.output && { output: compact({ destination: source.output.destination }) }),
    execution: clonedExecution(source.execution, overrides.execution),
    hyperparams: nonEmptyObject(overrides.hyperparams) ?? source.hyperparams,
    configuration: nonEmptyObject(overrides.configuration) ?? source.configuration,
    container: (overrides.container as TaskDoc['container']) ?? source.container,
    models: { input: inputs, output: [] },
    last_iteration: 0,
  };
  await tasks.create(doc);
  return { id: doc._id, ...(projectName !== undefined && targetProject && { new_project: { id: targetProject, name: projectName } }) };
}
