import type { Model } from 'mongoose';
import { WardenError, type ErrorCode } from '@warden/errors';
import type { TokenAuth } from '@warden/http';
import type { ExperimentModels } from './documents';
import { paging, patternFilter, projection, sortSpec, tagFilter, type Filter } from './query';

export type Identity = TokenAuth['claims']['identity'];

/** What every endpoint group works with. */
export interface Context {
  db: ExperimentModels;
  /** Deletes a task's events; called before the task itself goes, so a failure can be retried. */
  deleteTaskEvents(company: string, taskIds: readonly string[]): Promise<void>;
  /** Says a task or model was just locked (publishing, published, ready): it takes no more events. */
  locked(company: string, id: string): void;
}

export const ARCHIVED = 'archived';
/** What replaces a deleted task's or model's id in the references that outlive it. */
export const DELETED_PREFIX = '__DELETED__';
const HIDDEN = 'hidden';

/**
 * One document of the caller's company, or the given "invalid id" error: another company's
 * object is answered exactly like a missing one.
 */
export async function mustFind<T extends { company?: string }>(model: Model<T>, company: string, id: string, code: ErrorCode, what: string): Promise<T> {
  // Looked up by _id alone, the company compared here: FerretDB serves an _id-only filter from its
  // primary key but scans the whole collection for {_id, company} (60 ms instead of 8 for one task
  // among 70), and this read precedes most SDK calls.
  const doc = await model.findOne({ _id: id }).lean<T>();
  if (!doc || doc.company !== company) throw new WardenError(code, `${what} ${id} not found`, { id });
  return doc;
}

/** Throws ClearML's invalid model id error, naming each missing one, unless every model these items name is the company's. */
export async function assertModelsFound(models: ExperimentModels['models'], company: string, items: readonly { model: string }[]): Promise<void> {
  const wanted = [...new Set(items.map((item) => item.model))];
  if (wanted.length === 0) return;
  const found = new Set((await models.find({ company, _id: { $in: wanted } }, { _id: 1 }).lean()).map((model) => model._id));
  const missing = wanted.filter((modelId) => !found.has(modelId));
  if (missing.length > 0) throw new WardenError('ERR_INVALID_MODEL_ID', `model(s) not found: ${missing.join(', ')}`, { models: missing });
}

export interface ListRequest {
  id?: string[];
  name?: string;
  tags?: (string | null)[];
  system_tags?: (string | null)[];
  only_fields?: string[];
  order_by?: string[];
  page?: number;
  page_size?: number;
  search_hidden?: boolean;
}

/** The company scope plus the filters every get_all shares; hidden objects only when asked for by id or search_hidden. */
export function listFilter(company: string, request: ListRequest, extra: Filter[] = []): Filter {
  const parts: Filter[] = [{ company }];
  if (request.id) parts.push({ _id: { $in: request.id } });
  if (request.name !== undefined) parts.push(patternFilter('name', request.name));
  if (request.tags) parts.push(tagFilter('tags', request.tags));
  if (request.system_tags) parts.push(tagFilter('system_tags', request.system_tags));
  if (!request.search_hidden && !request.id) parts.push({ system_tags: { $ne: HIDDEN } });
  parts.push(...extra);
  return { $and: parts };
}

/** One page of documents, projected to only_fields' top-level fields. */
export function listPage<T>(model: Model<T>, filter: Filter, request: ListRequest): Promise<T[]> {
  const { skip, limit } = paging(request.page, request.page_size);
  return model.find(filter, projection(request.only_fields)).sort(sortSpec(request.order_by)).skip(skip).limit(limit).lean<T[]>();
}

/** A filter on a list of values (ids, statuses, users): any of them. */
export function anyOf(field: string, values: readonly string[] | undefined): Filter[] {
  return values ? [{ [field]: { $in: values } }] : [];
}
