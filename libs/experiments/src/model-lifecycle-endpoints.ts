import { z } from 'zod';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import { ARCHIVED, mustFind, type Context, type Identity } from './context';
import { batchIds, runBatch } from './batch';
import { publishModel } from './publishing';
import { id, opt, parseRequest } from './request';

const publishFields = { force_publish_task: opt.flag, publish_task: opt.flag };
const setReadyRequest = z.object({ model: id, ...publishFields });
// clearml-server reads publish_task; its schema names the field publish_tasks: both are taken.
const publishManyRequest = z.object({ ids: batchIds, ...publishFields, publish_tasks: opt.flag });
const batchRequest = z.object({ ids: batchIds });

/** models.* that publish and archive models (clearml-server's ModelBLL.publish_model, archive_model). */
export function registerModelLifecycleEndpoints(api: ClearmlApi<TokenAuth>, ctx: Context): void {
  const { models } = ctx.db;

  // The model's task is published with it unless publish_task is false.
  const publish = (identity: Identity, modelId: string, request: { force_publish_task?: boolean; publish_task?: boolean; publish_tasks?: boolean }) =>
    publishModel(ctx, identity, modelId, {
      publishTask: request.publish_task ?? request.publish_tasks ?? true,
      forcePublishTask: request.force_publish_task,
    });

  api.endpoint('models.set_ready', { auth: 'token' }, ({ auth, data }) => {
    const request = parseRequest(setReadyRequest, data);
    return publish(auth.claims.identity, request.model, request);
  });

  api.endpoint('models.publish_many', { auth: 'token', minVersion: '2.13' }, ({ auth, data }) => {
    const request = parseRequest(publishManyRequest, data);
    return runBatch(request.ids, async (modelId) => {
      const result = await publish(auth.claims.identity, modelId, request);
      return { updated: result.updated > 0, published_task: result.published_task ?? null };
    });
  });

  const tagMany = (name: string, archived: boolean) =>
    api.endpoint(name, { auth: 'token', minVersion: '2.13' }, ({ auth, data }) => {
      const { company, user } = auth.claims.identity;
      const { ids } = parseRequest(batchRequest, data);
      return runBatch(ids, async (modelId) => {
        await mustFind(models, company, modelId, 'ERR_INVALID_MODEL_ID', 'model');
        const tag = archived ? { $addToSet: { system_tags: ARCHIVED } } : { $pull: { system_tags: ARCHIVED } };
        const result = await models.updateOne({ _id: modelId, company }, { $set: { last_change: new Date(), last_changed_by: user }, ...tag });
        return { [archived ? 'archived' : 'unarchived']: result.matchedCount > 0 };
      });
    });
  tagMany('models.archive_many', true);
  tagMany('models.unarchive_many', false);
}
