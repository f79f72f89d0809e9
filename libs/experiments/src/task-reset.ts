import { WardenError } from '@warden/errors';
import type { Context, Identity } from './context';
import type { ModelDoc, TaskDoc } from './documents';

interface ResetOutputs {
  task: TaskDoc;
  published: ModelDoc[];
  drafts: ModelDoc[];
  /** Drafts another task of the company reads as an input model: kept, only unlinked. */
  inUse: Set<string>;
}

type OutputModel = Pick<ModelDoc, '_id' | 'ready' | 'uri'>;

/**
 * A reset task's output models (clearml-server's cleanup_task without touching children): its
 * drafts are deleted unless another task uses them, the rest lose their link to the task. Unless
 * forced, a published output model or a published child refuses the reset before anything changes.
 */
export const resetOutputs = {
  async check(ctx: Context, task: TaskDoc, force: boolean): Promise<ResetOutputs> {
    const { tasks, models } = ctx.db;
    const { company } = task;
    if (!force) {
      const publishedChildren = await tasks.countDocuments({ company, parent: task._id, status: 'published' });
      if (publishedChildren) refuse(task, 'has published children, use force=True', { children: publishedChildren });
    }
    const linked = (task.models?.output ?? []).map((item) => item.model);
    const outputs = await models.find({ company, $or: [{ task: task._id }, { _id: { $in: linked } }] }, { _id: 1, ready: 1, uri: 1 }).lean<OutputModel[]>();
    const published = outputs.filter((m) => m.ready) as ModelDoc[];
    const drafts = outputs.filter((m) => !m.ready) as ModelDoc[];
    if (!force && published.length) refuse(task, 'has output models, use force=True', { models: published.length });
    const draftIds = drafts.map((m) => m._id);
    const readers = draftIds.length
      ? await tasks.find({ company, _id: { $ne: task._id }, 'models.input.model': { $in: draftIds } }, { models: 1 }).lean<TaskDoc[]>()
      : [];
    const read = new Set(readers.flatMap((reader) => (reader.models?.input ?? []).map((item) => item.model)));
    return { task, published, drafts, inUse: new Set(draftIds.filter((modelId) => read.has(modelId))) };
  },

  async apply(ctx: Context, identity: Identity, outputs: ResetOutputs, deleteDrafts: boolean) {
    const { models } = ctx.db;
    const { company } = outputs.task;
    const deletable = deleteDrafts ? outputs.drafts.filter((m) => !outputs.inUse.has(m._id)) : [];
    const deleted = deletable.length ? (await models.deleteMany({ company, _id: { $in: deletable.map((m) => m._id) } })).deletedCount : 0;
    const gone = new Set(deletable.map((m) => m._id));
    const kept = [...outputs.published, ...outputs.drafts].filter((m) => !gone.has(m._id)).map((m) => m._id);
    const now = new Date();
    if (kept.length)
      await models.updateMany({ company, _id: { $in: kept } }, { $unset: { task: 1 }, $set: { last_change: now, last_changed_by: identity.user } });
    const artifacts = Object.values((outputs.task.execution?.artifacts ?? {}) as Record<string, { mode?: string; uri?: string }>);
    return {
      deleted_models: deleted,
      urls: {
        artifact_urls: artifacts.filter((a) => a.mode !== 'input' && a.uri).map((a) => a.uri),
        model_urls: deletable.filter((m) => m.uri).map((m) => m.uri),
      },
    };
  },
};

function refuse(task: TaskDoc, message: string, data: Record<string, unknown>): never {
  throw new WardenError('ERR_TASK_CANNOT_BE_DELETED', `task ${task._id} ${message}`, { task: task._id, ...data });
}
