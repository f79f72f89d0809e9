import express, { Router } from 'express';
import { authorized } from './caller';
import { batchDeleteHandler, deleteHandler } from './delete';
import { downloadHandler } from './download';
import type { FileserverOptions } from './fileserver-options';
import { uploadHandler } from './upload';

// Room for a batch of the largest allowed size (maxBatchDelete) of long paths.
const BATCH_BODY_LIMIT = '8mb';
const ANY_OBJECT = /^\/.+/;

/** ClearML's fileserver protocol; errors go to the service kit's error middleware. */
export function fileserverRoutes(o: FileserverOptions): Router {
  const router = Router();
  const auth = authorized(o);
  // ClearML answers the ping without credentials.
  router.get('/', (_req, res) => void res.type('text/plain').send('OK'));
  router.post('/', auth, uploadHandler(o));
  // ClearML parses this body whatever its Content-Type says.
  router.post('/delete_many', auth, express.json({ limit: BATCH_BODY_LIMIT, type: () => true }), batchDeleteHandler(o));
  // Express answers HEAD with the GET route; the handler skips the body.
  router.get(ANY_OBJECT, auth, downloadHandler(o));
  router.delete(ANY_OBJECT, auth, deleteHandler(o));
  return router;
}
