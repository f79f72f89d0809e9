import { WardenError } from '@warden/errors';

// The MongoDB driver's (and mongoose's) errors for "the server cannot be reached", by name: the kit
// must not load the driver, which the fileserver's bundle leaves out.
const MONGO_UNREACHABLE = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoPoolClearedError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
]);

/**
 * A backend that is down is the client's cue to retry later (503, as for Redis and Elasticsearch),
 * not a server bug (500): the ClearML SDK retries 503s.
 */
export function fromUnreachableBackend(error: unknown): WardenError | undefined {
  if (error instanceof Error && MONGO_UNREACHABLE.has(error.name)) return new WardenError('ERR_SERVICE_UNAVAILABLE', 'the database (MongoDB) is unavailable');
  return undefined;
}
