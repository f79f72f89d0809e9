/** Marks one in-flight multipart upload as owned by a live process. */
export interface UploadLease {
  release(): Promise<void>;
}

/**
 * Which multipart uploads a live process is still writing. Several replicas share a bucket, so an
 * upload left behind by a killed process can only be told from a live one's by something every
 * replica sees and that lapses on its own when its holder dies: a key with a short TTL, refreshed
 * by the holder while the upload runs.
 */
export interface UploadLeases {
  hold(uploadId: string): Promise<UploadLease>;
  /** The ids among `uploadIds` whose holder is alive. */
  live(uploadIds: string[]): Promise<Set<string>>;
}

/** The few Redis commands used (node-redis v4 spelling); any client with these fits. */
export interface LeaseRedis {
  set(key: string, value: string, options: { PX: number }): Promise<unknown>;
  del(key: string): Promise<unknown>;
  exists(key: string): Promise<number>;
}

export interface RedisLeaseOptions {
  /** Key prefix, e.g. `warden:s3-upload`. */
  prefix: string;
  /** How long a lease outlives its holder's last refresh. */
  ttlMs?: number;
  /** Reports a refresh that failed (the upload goes on; its lease may lapse). */
  onError?: (error: unknown) => void;
}

const DEFAULT_TTL_MS = 30_000;

export class RedisUploadLeases implements UploadLeases {
  readonly ttlMs: number;

  constructor(
    private readonly redis: LeaseRedis,
    private readonly options: RedisLeaseOptions,
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  }

  async hold(uploadId: string): Promise<UploadLease> {
    const key = `${this.options.prefix}:${uploadId}`;
    const refresh = () => this.redis.set(key, String(process.pid), { PX: this.ttlMs });
    // Without the lease a concurrent cleanup could abort this upload: no lease, no upload.
    await refresh();
    // Three refreshes per TTL: one lost refresh does not let the lease lapse.
    const timer = setInterval(() => void refresh().catch((error: unknown) => this.options.onError?.(error)), this.ttlMs / 3);
    timer.unref();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await this.redis.del(key).catch((error: unknown) => this.options.onError?.(error));
      },
    };
  }

  async live(uploadIds: string[]): Promise<Set<string>> {
    const held = await Promise.all(uploadIds.map(async (id) => ((await this.redis.exists(`${this.options.prefix}:${id}`)) > 0 ? id : undefined)));
    return new Set(held.filter((id): id is string => id !== undefined));
  }
}
