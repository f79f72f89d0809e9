import type { IncomingMessage } from 'node:http';
import { Router, type RequestHandler } from 'express';
import { jsonBody, type FastRoutes } from '@warden/http';
import { authorized } from './caller';
import { batchDeleteHandler, deleteHandler } from './delete';
import { downloadHandler } from './download';
import type { FileserverOptions } from './fileserver-options';
import { uploadHandler } from './upload';

// Room for a batch of the largest allowed size (maxBatchDelete) of long paths.
const BATCH_BODY_LIMIT = '8mb';
const ANY_OBJECT = /^\/.+/;
// The kit's probes, as Express matches them (any case, one optional trailing slash).
const PROBES = /^\/(health|ready)\/?$/i;

export interface FileserverRoutes {
  routes: Router;
  /** Downloads and uploads, the hot paths, served by the same handlers without the router. */
  fastRoutes: FastRoutes;
}

/** ClearML's fileserver protocol; errors go to the service kit's error middleware. */
export function fileserverRoutes(o: FileserverOptions): FileserverRoutes {
  const auth = authorized(o);
  const download = [auth, downloadHandler(o)];
  const upload = [auth, uploadHandler(o)];
  const router = Router();
  // ClearML answers the ping without credentials.
  router.get('/', (_req, res) => void res.type('text/plain').send('OK'));
  router.post('/', ...upload);
  // ClearML parses this body whatever its Content-Type says.
  router.post('/delete_many', auth, jsonBody(BATCH_BODY_LIMIT), batchDeleteHandler(o));
  // Express answers HEAD with the GET route; the handler skips the body.
  router.get(ANY_OBJECT, ...download);
  router.delete(ANY_OBJECT, auth, deleteHandler(o));
  // The route label the metrics give each, as the router would (its route's path).
  const fastDownload = [routeLabel(String(ANY_OBJECT)), ...download];
  const fastUpload = [routeLabel('/'), ...upload];
  return {
    routes: router,
    fastRoutes: (req: IncomingMessage) => {
      const path = req.url?.split('?', 1)[0] ?? '';
      if (!path.startsWith('/')) return undefined;
      if (req.method === 'POST') return path === '/' ? fastUpload : undefined;
      if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
      return ANY_OBJECT.test(path) && !PROBES.test(path) ? fastDownload : undefined;
    },
  };
}

function routeLabel(route: string): RequestHandler {
  return (_req, res, next) => {
    res.locals['route'] = route;
    next();
  };
}
