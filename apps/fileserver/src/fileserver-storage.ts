import { ConfigError } from '@warden/config';
import type { Logger, ReadinessCheck } from '@warden/http';
import { createS3Client, LocalStorage, RedisUploadLeases, S3Storage, type LeaseRedis, type StorageAdapter } from '@warden/storage';
import type { FileserverConfig } from './fileserver-service';

/** ClearML's fileserver folder in its docker-compose deployment. */
export const DEFAULT_STORAGE_PATH = '/opt/clearml/data/fileserver';

type StorageConfig = FileserverConfig['fileserver']['storage'];
type S3Config = StorageConfig['s3'];

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

/** The S3 settings that must hold together, refused at start-up with the setting to fix. */
export function s3Settings(s3: S3Config): S3Config & { bucket: string } {
  if (!s3.bucket) throw new ConfigError('ERR_CONFIG_INVALID', 'fileserver.storage.backend is s3 but fileserver.storage.s3.bucket is not set');
  if (Boolean(s3.access_key) !== Boolean(s3.secret_key)) {
    const [set, missing] = s3.access_key ? ['access_key', 'secret_key'] : ['secret_key', 'access_key'];
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `fileserver.storage.s3.${set} is set but fileserver.storage.s3.${missing} is not: set both, or neither to use the AWS default credential chain`,
    );
  }
  return { ...s3, bucket: s3.bucket };
}

export interface OpenedStorage {
  storage: StorageAdapter;
  readiness: ReadinessCheck[];
  close(): Promise<void>;
}

/**
 * The configured backend, ready to serve. An S3 bucket that is missing or refuses the credentials
 * does not stop the start: the fileserver runs unready (`/ready` 503 naming the setting) until the
 * store answers, as it does for Redis, so fixing the bucket needs no restart.
 */
export async function openConfiguredStorage(
  config: StorageConfig,
  env: Readonly<Record<string, string | undefined>>,
  redis: LeaseRedis,
  logger: Logger,
): Promise<OpenedStorage> {
  if (config.backend === 'local') {
    const { path, source } = storagePath(config.path, env);
    const { storage, removed } = await openStorage(path, source);
    logger.info({ backend: 'local', path, source, removedTempFiles: removed }, 'fileserver storage ready');
    return { storage, readiness: [], close: async () => undefined };
  }
  const s3 = s3Settings(config.s3);
  const leaseMs = s3.upload_lease_sec * 1000;
  const client = createS3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    pathStyle: s3.path_style,
    credentials: s3.access_key && s3.secret_key ? { accessKeyId: s3.access_key, secretAccessKey: s3.secret_key } : undefined,
  });
  const storage = new S3Storage({
    client,
    bucket: s3.bucket,
    prefix: s3.prefix,
    leases: new RedisUploadLeases(redis, {
      prefix: 'warden:s3-upload',
      ttlMs: leaseMs,
      onError: (err) => logger.warn({ err }, 'S3 upload lease refresh failed'),
    }),
    // An upload younger than one lease period may not hold its lease yet (created, lease on the way).
    orphanAgeMs: leaseMs,
  });
  const where = { backend: 's3', bucket: s3.bucket, prefix: s3.prefix, region: s3.region, endpoint: s3.endpoint };
  try {
    await storage.checkBucket();
    logger.info(where, 'fileserver storage ready');
  } catch (error) {
    logger.error(where, `fileserver storage not ready: ${(error as Error).message}`);
  }
  const sweeper = new OrphanSweeper(storage, logger, leaseMs);
  return {
    storage,
    readiness: [{ name: 's3', check: () => storage.checkBucket() }],
    close: async () => {
      sweeper.stop();
      client.destroy();
    },
  };
}

const FIRST_SWEEP_RETRY_MS = 1000;

/**
 * Aborts the orphaned multipart uploads of killed fileservers (this one's previous life included)
 * once their leases have lapsed: every lease period, and at start-up as soon as Redis and the store
 * answer (retried each second until then), in the background so that neither holds up the start.
 */
class OrphanSweeper {
  private timer: NodeJS.Timeout;
  private running = false;
  private stopped = false;

  constructor(
    private readonly storage: S3Storage,
    private readonly logger: Logger,
    private readonly periodMs: number,
  ) {
    this.timer = setTimeout(() => void this.first(), 0);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    // Clears an interval as well.
    clearTimeout(this.timer);
  }

  private async first(): Promise<void> {
    const swept = await this.sweep(false);
    if (this.stopped) return;
    this.timer = swept ? setInterval(() => void this.sweep(true), this.periodMs) : setTimeout(() => void this.first(), FIRST_SWEEP_RETRY_MS);
    this.timer.unref();
  }

  private async sweep(warn: boolean): Promise<boolean> {
    if (this.running) return false;
    this.running = true;
    try {
      const aborted = await this.storage.cleanupTemp();
      if (aborted) this.logger.info({ aborted }, 'aborted orphaned S3 multipart uploads');
      return true;
    } catch (error) {
      if (warn) this.logger.warn({ err: error }, 'could not clean orphaned S3 multipart uploads; will try again');
      return false;
    } finally {
      this.running = false;
    }
  }
}
