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

export const parentOf = (name: string) => name.split('/').slice(0, -1).join('/');
export const basenameOf = (name: string) => name.split('/').pop() as string;

export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

export const projectExists = (name: string) => new WardenError('ERR_PROJECT_EXISTS', `a project named ${name} already exists`, { name });

export type ProjectFields = Partial<Pick<ProjectDoc, 'description' | 'tags' | 'system_tags' | 'default_output_destination'>>;

/** A new project of the caller's company; ERR_PROJECT_EXISTS when the (normalized) name is taken. */
export async function createProject(db: ExperimentModels, identity: Identity, rawName: string, fields: ProjectFields = {}): Promise<string> {
  const { user, company } = identity;
  const name = normalizeProjectName(rawName);
  if (await db.projects.exists({ company, name })) throw projectExists(name);
  const now = new Date();
  const doc: ProjectDoc = { _id: newId(), company, user, name, basename: basenameOf(name), ...compact(fields), created: now, last_update: now };
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
