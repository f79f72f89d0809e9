import { z } from 'zod';
import { WardenError } from '@warden/errors';
import type { ClearmlApi, TokenAuth } from '@warden/http';
import { parseListRequest } from './field-filters';
import { ARCHIVED, listFilter, listPage, mustFind, type Context } from './context';
import { pick } from './query';
import { id, listFields, opt, parseRequest, text } from './request';
import { compact } from './stored-values';
import { basenameOf, createProject, isDuplicateKey, normalizeProjectName, parentOf, projectExists, renameDescendants, withDescendants } from './projects';
import { projectView } from './views';

const editable = {
  description: opt.text,
  tags: opt.tags,
  system_tags: opt.tags,
  default_output_destination: opt.text,
};
const createRequest = z.object({ name: text, ...editable });
const updateRequest = z.object({ project: id, name: opt.text, ...editable });
const deleteRequest = z.object({ project: id, force: opt.flag, delete_contents: opt.flag });
// shallow_search: only top-level projects, as ClearML answers it without a `parent` filter.
const getAllRequest = z.object({ ...listFields, shallow_search: opt.flag });

/** projects.*: names are unique per company; creating `a/b/c` creates its missing ancestors (ClearML's project tree). */
export function registerProjectEndpoints(api: ClearmlApi<TokenAuth>, ctx: Context): void {
  const { projects, tasks, models } = ctx.db;
  const ownedProject = (company: string, projectId: string) => mustFind(projects, company, projectId, 'ERR_INVALID_PROJECT_ID', 'project');

  const assertNameFree = async (company: string, name: string) => {
    if (await projects.exists({ company, name })) throw projectExists(name);
  };
  // The unique index settles a race the check above lost.
  const uniqueName = async <T>(name: string, write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (error) {
      if (isDuplicateKey(error)) throw projectExists(name);
      throw error;
    }
  };

  api.endpoint('projects.create', { auth: 'token' }, async ({ auth, data }) => {
    const { name, ...rest } = parseRequest(createRequest, data);
    return { id: await createProject(ctx.db, auth.claims.identity, name, rest) };
  });

  api.endpoint('projects.get_by_id', { auth: 'token' }, async ({ auth, data }) => {
    const { project } = parseRequest(z.object({ project: id }), data);
    return { project: projectView(await ownedProject(auth.claims.identity.company, project)) };
  });

  api.endpoint('projects.get_all', { auth: 'token' }, async ({ auth, data }) => {
    const { request, filters } = parseListRequest('projects', getAllRequest, data);
    const topLevel = request.shallow_search ? [{ parent: { $exists: false } }] : [];
    const docs = await listPage(projects, listFilter(auth.claims.identity.company, request, [...filters, ...topLevel]), request);
    return { projects: docs.map((doc) => pick(projectView(doc), request.only_fields)) };
  });

  api.endpoint('projects.update', { auth: 'token' }, async ({ auth, data }) => {
    const { company } = auth.claims.identity;
    const { project: projectId, name: rawName, ...rest } = parseRequest(updateRequest, data);
    const project = await ownedProject(company, projectId);
    const fields: Record<string, unknown> = compact(rest);
    if (rawName !== undefined) {
      const name = normalizeProjectName(rawName);
      if (parentOf(name) !== parentOf(project.name)) {
        throw new WardenError('ERR_PROJECT_LOCATION_CHANGE', `renaming ${project.name} to ${name} would move it; use projects.move`, { name });
      }
      if (name !== project.name) await assertNameFree(company, name);
      Object.assign(fields, { name, basename: basenameOf(name) });
    }
    if (Object.keys(fields).length === 0) return { updated: 0, fields: {} };
    const update = () => projects.updateOne({ _id: projectId, company }, { $set: { ...fields, last_update: new Date() } });
    const result = await uniqueName(String(fields.name ?? project.name), update);
    if (fields.name !== undefined && fields.name !== project.name) await renameDescendants(ctx.db, company, projectId, project.name, String(fields.name));
    return { updated: result.matchedCount, fields };
  });

  api.endpoint('projects.delete', { auth: 'token' }, async ({ auth, data }) => {
    const { company } = auth.claims.identity;
    const request = parseRequest(deleteRequest, data);
    await ownedProject(company, request.project);
    // Its subprojects go with it, their tasks and models checked and handled alike.
    const projectIds = await withDescendants(ctx.db, company, request.project);
    const inProject = { company, project: { $in: projectIds } };
    if (!request.force) {
      const active = { ...inProject, system_tags: { $ne: ARCHIVED } };
      if (await tasks.exists(active)) throw new WardenError('ERR_PROJECT_HAS_TASKS', 'project has tasks; use force=true', { id: request.project });
      if (await models.exists(active)) throw new WardenError('ERR_PROJECT_HAS_MODELS', 'project has models; use force=true', { id: request.project });
    }
    const result = { deleted: 0, disassociated_tasks: 0, deleted_tasks: 0, deleted_models: 0, urls: { model_urls: [], event_urls: [], artifact_urls: [] } };
    if (request.delete_contents) {
      const taskIds = (await tasks.find(inProject, { _id: 1 }).lean()).map((t) => t._id);
      await ctx.deleteTaskEvents(company, taskIds);
      result.deleted_tasks = (await tasks.deleteMany({ company, _id: { $in: taskIds } })).deletedCount;
      result.deleted_models = (await models.deleteMany(inProject)).deletedCount;
    } else {
      result.disassociated_tasks = (await tasks.updateMany(inProject, { $unset: { project: 1 } })).modifiedCount;
      await models.updateMany(inProject, { $unset: { project: 1 } });
    }
    result.deleted = (await projects.deleteMany({ _id: { $in: projectIds }, company })).deletedCount;
    return result;
  });
}
