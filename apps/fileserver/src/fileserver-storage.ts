import { ConfigError } from '@warden/config';
import type { Logger, ReadinessCheck } from '@warden/http';
import { LocalStorage, type StorageAdapter } from '@warden/storage';
import type { LeaseRedis } from '@warden/storage/s3';
import { readCaFile } from '@warden/tls';
import type { FileserverConfig } from './fileserver-service';

/** ClearML's fileserver folder in its docker-compose deployment. */
export const DEFAULT_STORAGE_PATH = '/opt/clearml/data/fileserver';

type StorageConfig = FileserverConfig['fileserver']['storage'];
export type S3Config = StorageConfig['s3'];

/** fileserver.storage.path, else ClearML's CLEARML_UPLOAD_FOLDER, else ClearML's deployed folder. */
export function storagePath(configured: string | undefined, env: Readonly<Record<string, string | undefined>>): { path: string; source: string } {
  if (configured) return { path: configured, source: 'fileserver.storage.path' };
  if (env.CLEARML_UPLOAD_FOLDER) return { path: env.CLEARML_UPLOAD_FOLDER, source: 'env CLEARML_UPLOAD_FOLDER' };
  return { path: DEFAULT_STORAGE_PATH, source: 'built-in default' };
}

/**
 * Creates the storage folder if needed, proves it writable and removes what a crash left in its
 * temp folder. A folder that cannot be used is a configuration error: restarting will not help.
 */
export async function openStorage(path: string, source: string): Promise<{ storage: LocalStorage; removed: number }> {
  const storage = new LocalStorage(path);
  try {
    return { storage, removed: await storage.cleanupTemp() };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError('ERR_CONFIG_INVALID', `fileserver storage folder ${path} (from ${source}) cannot be created or written (${code})`);
  }
}

export type S3Settings = S3Config & { bucket: string; ca?: string[] };

/** The S3 settings that must hold together, refused at start-up with the setting to fix. */
export function s3Settings(s3: S3Config): S3Settings {
  if (!s3.bucket) throw new ConfigError('ERR_CONFIG_INVALID', 'fileserver.storage.backend is s3 but fileserver.storage.s3.bucket is not set');
  if (Boolean(s3.access_key) !== Boolean(s3.secret_key)) {
    const [set, missing] = s3.access_key ? ['access_key', 'secret_key'] : ['secret_key', 'access_key'];
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `fileserver.storage.s3.${set} is set but fileserver.storage.s3.${missing} is not: set both, or neither to use the AWS default credential chain`,
    );
  }
  const ca = s3.ca_file ? readCaFile(s3.ca_file, 'fileserver.storage.s3.ca_file') : undefined;
  return { ...s3, bucket: s3.bucket, ca };
}

export interface OpenedStorage {
  storage: StorageAdapter;
  readiness: ReadinessCheck[];
  close(): Promise<void>;
}

/**
 * Checks the backend's settings at once, before anything connects, and returns what opens it. An
 * S3 bucket that is missing or refuses the credentials does not stop the start: the fileserver runs
 * unready (`/ready` 503 naming the setting) until the store answers, as it does for Redis, so fixing
 * the bucket needs no restart.
 */
export function storageOpener(
  config: StorageConfig,
  env: Readonly<Record<string, string | undefined>>,
): (redis: LeaseRedis, logger: Logger) => Promise<OpenedStorage> {
  if (config.backend === 'local') {
    return async (_redis, logger) => {
      const { path, source } = storagePath(config.path, env);
      const { storage, removed } = await openStorage(path, source);
      logger.info({ backend: 'local', path, source, removedTempFiles: removed }, 'fileserver storage ready');
      return { storage, readiness: [], close: async () => undefined };
    };
  }
  const s3 = s3Settings(config.s3);
  // Loaded only here: a fileserver on local storage never loads the AWS SDK.
  return async (redis, logger) => (await import('./fileserver-s3-storage')).openS3Storage(s3, redis, logger);
}
