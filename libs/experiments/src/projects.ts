import { WardenError } from '@warden/errors';
import type { Identity } from './context';
import { newId, type ExperimentModels, type ProjectDoc } from './documents';
import { compact } from './stored-values';

/** ClearML names are paths (`a/b`): empty parts dropped, parts trimmed. */
export function normalizeProjectName(name: string): string {
  const parts = name
    .split('/')
    .map((part) => part.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new WardenError('ERR_INVALID_PROJECT_NAME', 'project name is empty', { field: 'name' });
  return parts.join('/');
}

/** ClearML's default `sub_projects.max_depth`: it also bounds the ancestors one create makes. */
export const MAX_PROJECT_DEPTH = 10;

export const parentOf = (name: string) => name.split('/').slice(0, -1).join('/');
export const basenameOf = (name: string) => name.split('/').pop() as string;

export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

export const projectExists = (name: string) => new WardenError('ERR_PROJECT_EXISTS', `a project named ${name} already exists`, { name });

export type ProjectFields = Partial<Pick<ProjectDoc, 'description' | 'tags' | 'system_tags' | 'default_output_destination'>>;

/** The parent chain of a project about to be named `name`: ClearML creates each missing ancestor of `a/b/c`. */
async function ensureParents(db: ExperimentModels, identity: Identity, name: string): Promise<Pick<ProjectDoc, 'parent' | 'path'>> {
  const location = parentOf(name);
  if (!location) return { path: [] };
  const parentId = await findOrCreateProject(db, identity, location);
  const parent = await db.projects.findOne({ company: identity.company, _id: parentId }, { path: 1 }).lean();
  return { parent: parentId, path: [...(parent?.path ?? []), parentId] };
}

/** A new project of the caller's company, under its (created when missing) parents; ERR_PROJECT_EXISTS when the (normalized) name is taken. */
export async function createProject(db: ExperimentModels, identity: Identity, rawName: string, fields: ProjectFields = {}): Promise<string> {
  const { user, company } = identity;
  const name = normalizeProjectName(rawName);
  if (name.split('/').length > MAX_PROJECT_DEPTH) {
    throw new WardenError('ERR_PROJECT_PATH_EXCEEDS_MAX', `project ${name} is nested deeper than ${MAX_PROJECT_DEPTH} levels`, { name });
  }
  if (await db.projects.exists({ company, name })) throw projectExists(name);
  const lineage = await ensureParents(db, identity, name);
  const now = new Date();
  const doc: ProjectDoc = { _id: newId(), company, user, name, basename: basenameOf(name), ...lineage, ...compact(fields), created: now, last_update: now };
  try {
    await db.projects.create(doc);
  } catch (error) {
    // The unique index settles a race the check above lost.
    if (isDuplicateKey(error)) throw projectExists(name);
    throw error;
  }
  return doc._id;
}

/** The id of the caller's project by that name, created (with an empty description) when there is none. */
export async function findOrCreateProject(db: ExperimentModels, identity: Identity, rawName: string): Promise<string> {
  const name = normalizeProjectName(rawName);
  const find = async () => (await db.projects.findOne({ company: identity.company, name }, { _id: 1 }).lean())?._id;
  const existing = await find();
  if (existing) return existing;
  try {
    return await createProject(db, identity, name, { description: '' });
  } catch (error) {
    // Another call created it meanwhile: that one is the project.
    const raced = error instanceof WardenError && error.code === 'ERR_PROJECT_EXISTS' ? await find() : undefined;
    if (raced) return raced;
    throw error;
  }
}

/** Renames the descendants of a project renamed from `oldName` to `newName` (their names start with its name). */
export async function renameDescendants(db: ExperimentModels, company: string, projectId: string, oldName: string, newName: string): Promise<void> {
  const descendants = await db.projects.find({ company, path: projectId }, { name: 1 }).lean();
  const now = new Date();
  for (const child of descendants) {
    await db.projects.updateOne({ _id: child._id, company }, { $set: { name: newName + child.name.slice(oldName.length), last_update: now } });
  }
}

/** The project and every project under it, as ClearML deletes and checks them together. */
export async function withDescendants(db: ExperimentModels, company: string, projectId: string): Promise<string[]> {
  const descendants = await db.projects.find({ company, path: projectId }, { _id: 1 }).lean();
  return [projectId, ...descendants.map((doc) => doc._id)];
}
