import type { Logger } from '@warden/http';
import { createS3Client, RedisUploadLeases, S3Storage, type LeaseRedis } from '@warden/storage/s3';
import type { OpenedStorage, S3Settings } from './fileserver-storage';

/**
 * The S3 backend, ready to serve. A bucket that is missing or refuses the credentials does not stop
 * the start: the fileserver runs unready (`/ready` 503 naming the setting) until the store answers.
 */
export async function openS3Storage(s3: S3Settings, redis: LeaseRedis, logger: Logger): Promise<OpenedStorage> {
  const leaseMs = s3.upload_lease_sec * 1000;
  const client = createS3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    pathStyle: s3.path_style,
    ca: s3.ca,
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
