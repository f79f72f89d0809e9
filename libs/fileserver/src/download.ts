import { basename } from 'node:path';
import type { Request, RequestHandler, Response } from 'express';
import { WardenError } from '@warden/errors';
import type { OpenedObject } from '@warden/storage';
import { callerOf } from './caller';
import { attachmentDisposition, contentTypeFor } from './content-type';
import type { FileserverOptions } from './fileserver-options';
import { chooseRange, isNotModified } from './http-range';
import { decodeUrlPath, tenantKey } from './object-path';

/** GET and HEAD of one object, with validators, conditional requests and single ranges. */
export function downloadHandler(o: FileserverOptions): RequestHandler {
  return async (req, res, next) => {
    try {
      const path = decodeUrlPath(req.path, o.limits.maxPathBytes);
      const opened = await o.storage.open(tenantKey(callerOf(res), path));
      if (!opened) throw new WardenError('ERR_NOT_FOUND', `file ${path} not found`);
      await send(req, res, opened, path);
    } catch (error) {
      next(error);
    }
  };
}

async function send(req: Request, res: Response, opened: OpenedObject, path: string): Promise<void> {
  const { object } = opened;
  res.set({
    'Accept-Ranges': 'bytes',
    ETag: object.etag,
    'Last-Modified': object.mtime.toUTCString(),
    // Tenants' files: never kept by shared caches. Five minutes is ClearML's cache_timeout_sec.
    'Cache-Control': 'private, max-age=300',
  });
  if (isNotModified(req.get('If-None-Match'), req.get('If-Modified-Since'), object)) {
    await opened.close();
    res.status(304).end();
    return;
  }
  const range = chooseRange(req.get('Range'), req.get('If-Range'), object);
  if (range.kind === 'unsatisfiable') {
    await opened.close();
    res.set('Content-Range', `bytes */${object.size}`);
    throw new WardenError('ERR_RANGE_NOT_SATISFIABLE', `range not satisfiable for ${object.size} bytes`);
  }
  const { type, active } = contentTypeFor(path);
  res.type(type);
  // A page uploaded by one user must not run with the fileserver's origin for another.
  if (active) res.set('Content-Security-Policy', [res.get('Content-Security-Policy'), 'sandbox allow-scripts'].filter(Boolean).join('; '));
  if ('download' in req.query) res.set('Content-Disposition', attachmentDisposition(basename(path)));
  if (range.kind === 'partial') {
    res.status(206).set('Content-Range', `bytes ${range.start}-${range.end}/${object.size}`);
    res.set('Content-Length', String(range.end - range.start + 1));
  } else {
    res.status(200).set('Content-Length', String(object.size));
  }
  if (req.method === 'HEAD' || object.size === 0) {
    await opened.close();
    res.end();
    return;
  }
  // A client that goes away mid-download is not an error; the file is closed either way.
  await opened.sendTo(res, range.kind === 'partial' ? range : undefined);
}
