import mongoose, { type Connection } from 'mongoose';
import type { Logger, ReadinessCheck } from '@warden/http';
import { logThrottled } from './log-throttled';

export interface MongoBackend {
  connection: Connection;
  readiness: ReadinessCheck;
  close(): Promise<void>;
}

const RETRY_MS = 2000;

/**
 * The driver only reconnects after a first successful connection, so the first one is retried
 * here until it succeeds or the backend is closed.
 */
export function connectMongo(url: string, logger: Logger): MongoBackend {
  const connection = mongoose.createConnection();
  const warn = logThrottled(logger, 'mongodb');
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const attempt = () => {
    connection
      .openUri(url, { serverSelectionTimeoutMS: 2000, autoIndex: false })
      .then(() => logger.info({ backend: 'mongodb' }, 'connected'))
      .catch((error: unknown) => {
        warn(error);
        if (!closed) retry = setTimeout(attempt, RETRY_MS);
      });
  };
  connection.on('error', warn);
  attempt();

  return {
    connection,
    readiness: {
      name: 'mongodb',
      check: async () => {
        if (connection.readyState !== 1 || !connection.db) throw new Error('not connected');
        await connection.db.admin().ping();
      },
    },
    close: async () => {
      closed = true;
      clearTimeout(retry);
      await connection.close(true).catch(() => undefined);
    },
  };
}
