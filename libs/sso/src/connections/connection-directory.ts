import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';
import type { ConnectionDoc, ConnectionStore } from './connection-store';

/** How often a replica compares the change counter; a missed message costs at most this long. */
export const DIRECTORY_POLL_MS = 500;
/** Without Redis there is no counter to compare: MongoDB is read again this often regardless. */
const FULL_READ_MS = 30_000;

/**
 * The active connections every replica lists (login page, `login.supported_modes`), kept in memory
 * because those answers are synchronous. A change (create, update, delete, toggle) on any replica
 * increments a counter in Redis and publishes it; every replica re-reads MongoDB on the message,
 * and also whenever its poll finds the counter moved (a missed message, a reconnect, a Redis that
 * lost the counter), so all converge within DIRECTORY_POLL_MS plus one read. The sign-in routes do
 * not use this list: they read the connection itself, so a turned-off connection stops at once.
 */
export class ConnectionDirectory {
  private active: ConnectionDoc[] = [];
  private seen: string | null | undefined;
  private readAt = 0;
  private loading?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  private subscriber?: RedisClientType;

  constructor(
    private readonly store: ConnectionStore,
    private readonly redis: RedisClientType,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly pollMs = DIRECTORY_POLL_MS,
  ) {}

  private get counterKey(): string {
    return `${this.prefix}:idp-connections:version`;
  }

  private get channel(): string {
    return `${this.prefix}:idp-connections:changed`;
  }

  /** The first read, the subscription and the poll; runs with the gateway's set-up (MongoDB reachable). */
  async start(): Promise<void> {
    await this.reload();
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.pollMs).unref();
    try {
      this.subscriber = this.redis.duplicate();
      this.subscriber.on('error', (error: unknown) => this.logger.warn({ err: error }, 'identity-provider connections: subscription'));
      await this.subscriber.connect();
      await this.subscriber.subscribe(this.channel, () => void this.reload());
    } catch (error) {
      // The poll alone still converges; the message only makes it quicker.
      this.logger.warn({ err: error }, 'identity-provider connections: no change messages, polling only');
    }
  }

  list(): readonly ConnectionDoc[] {
    return this.active;
  }

  /** After a change on this replica: every replica (this one at once) reads the connections again. */
  async changed(): Promise<void> {
    try {
      const version = await this.redis.incr(this.counterKey);
      await this.redis.publish(this.channel, String(version));
    } catch (error) {
      this.logger.warn({ err: error }, 'identity-provider connections: change not published (other replicas notice on their next poll of MongoDB)');
    }
    await this.reload();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.subscriber?.quit().catch(() => undefined);
  }

  private async poll(): Promise<void> {
    try {
      const stale = Date.now() - this.readAt > FULL_READ_MS;
      if (stale || (await this.redis.get(this.counterKey)) !== this.seen) await this.reload();
    } catch (error) {
      this.logger.warn({ err: error }, 'identity-provider connections: poll failed');
      if (Date.now() - this.readAt > FULL_READ_MS) await this.reload();
    }
  }

  /** One read at a time; a change noticed during a read makes one more read after it. */
  private reload(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.read()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'identity-provider connections: read failed'))
      .finally(() => {
        this.loading = undefined;
        if (this.again) {
          this.again = false;
          void this.reload();
        }
      });
    return this.loading;
  }

  private async read(): Promise<void> {
    // The counter first: a change after this read of it is seen as a new value by the next poll.
    const version = await this.redis.get(this.counterKey).catch(() => undefined);
    this.active = await this.store.listActive();
    this.seen = version;
    this.readAt = Date.now();
  }
}
