import type { RequestHandler } from 'express';
import { WardenError } from '@warden/errors';
import { callerOf } from './caller';
import type { FileserverCaller, FileserverOptions } from './fileserver-options';
import { decodeUrlPath, tenantKey, validateObjectPath } from './object-path';

/** A whole folder can hold another user's work; only admins remove one. */
function mayDeleteFolders(caller: FileserverCaller): boolean {
  return caller.role === 'admin';
}

/** `DELETE /<path>`: answers the path as a JSON string, as ClearML does. */
export function deleteHandler(o: FileserverOptions): RequestHandler {
  return async (req, res, next) => {
    try {
      const caller = callerOf(res);
      const path = decodeUrlPath(req.path, o.limits.maxPathBytes);
      const key = tenantKey(caller, path);
      if (await o.storage.delete(key)) return void res.json(path);
      if (!(await o.storage.isFolder(key))) throw new WardenError('ERR_NOT_FOUND', `file ${path} not found`);
      if (!mayDeleteFolders(caller)) throw new WardenError('ERR_FORBIDDEN', 'deleting a folder requires the admin role');
      await o.storage.deletePrefix(key);
      res.json(path);
    } catch (error) {
      next(error);
    }
  };
}

/**
 * `POST /delete_many` with `{"files": [...]}`: answers `{"deleted": {file: path}, "errors":
 * {message: [files]}}` as ClearML does; each entry is URL-decoded (`+` as space) first.
 */
export function batchDeleteHandler(o: FileserverOptions): RequestHandler {
  return async (req, res, next) => {
    try {
      if (!o.allowBatchDelete) throw new WardenError('ERR_BATCH_DELETE_DISABLED', 'batch delete is turned off (fileserver.delete.allow_batch)');
      const body: unknown = req.body;
      if (!body || typeof body !== 'object') throw new WardenError('ERR_BAD_REQUEST', 'Json payload is missing');
      const files = (body as { files?: unknown }).files;
      if (!Array.isArray(files) || files.length === 0) throw new WardenError('ERR_BAD_REQUEST', 'files are missing');
      if (files.length > o.limits.maxBatchDelete) {
        throw new WardenError(
          'ERR_BATCH_TOO_LARGE',
          `delete_many takes at most ${o.limits.maxBatchDelete} files per call (got ${files.length}); send several batches`,
        );
      }
      const caller = callerOf(res);
      // Keyed by the caller's file names: no prototype, so "__proto__" is a name like any other.
      const deleted: Record<string, string> = Object.create(null);
      const errors: Record<string, string[]> = Object.create(null);
      for (const file of files) {
        const outcome = await deleteOne(o, caller, file);
        if (outcome.error === undefined) deleted[String(file)] = outcome.path;
        else (errors[outcome.error] ??= []).push(String(file));
      }
      res.json({ deleted, errors });
    } catch (error) {
      next(error);
    }
  };
}

async function deleteOne(o: FileserverOptions, caller: FileserverCaller, file: unknown): Promise<{ path: string; error?: string }> {
  if (typeof file !== 'string') return { path: '', error: 'Not a path' };
  let path: string;
  try {
    const decoded = decodeURIComponent(file.replace(/\+/g, ' '));
    // ClearML refuses these outright: an empty path would delete all of the company's data.
    if (!decoded.replace(/\//g, '')) return { path: decoded, error: 'Empty path not allowed' };
    path = validateObjectPath(decoded.replace(/^\/+|\/+$/g, ''), o.limits.maxPathBytes);
  } catch (error) {
    return { path: file, error: error instanceof WardenError ? error.message : 'Invalid path' };
  }
  try {
    const key = tenantKey(caller, path);
    if (await o.storage.delete(key)) return { path };
    if (!(await o.storage.isFolder(key))) return { path, error: 'Not found' };
    if (!mayDeleteFolders(caller)) return { path, error: 'Deleting a folder requires the admin role' };
    await o.storage.deletePrefix(key);
    return { path };
  } catch (error) {
    if (error instanceof WardenError) return { path, error: error.message };
    throw error;
  }
}
