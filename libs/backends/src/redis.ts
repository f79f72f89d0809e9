import { setTimeout as delay } from 'node:timers/promises';
import { createClient, type RedisClientType } from 'redis';
import type { HostsConfig } from '@warden/config';
import type { Logger, ReadinessCheck } from '@warden/http';
import { logThrottled } from './log-throttled';

export interface RedisBackend {
  client: RedisClientType;
  readiness: ReadinessCheck;
  close(): Promise<void>;
}

const QUIT_GRACE_MS = 1000;

/**
 * Connects in the background and keeps reconnecting, so a service starts (and reports not ready)
 * while Redis is down. Commands fail fast instead of queueing while disconnected.
 */
export function connectRedis(hosts: HostsConfig, logger: Logger): RedisBackend {
  const { host, port, db, password } = hosts.redis.apiserver;
  const client: RedisClientType = createClient({
    // Retries at most every 500 ms: token verifiers refuse while Redis is gone, so come back quickly.
    socket: { host, port, connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 500) },
    database: db,
    password: password || undefined,
    disableOfflineQueue: true,
  });
  const warn = logThrottled(logger, 'redis');
  client.on('error', warn);
  client.on('ready', () => logger.info({ backend: 'redis', host, port }, 'connected'));
  client.connect().catch(warn);
  return {
    client,
    readiness: {
      name: 'redis',
      check: async () => {
        if (!client.isReady) throw new Error(`not connected to ${host}:${port}`);
        await client.ping();
      },
    },
    close: async () => {
      // quit() waits for the server's answer, which a server that just died never sends.
      if (client.isReady) await Promise.race([client.quit(), delay(QUIT_GRACE_MS, undefined, { ref: false })]).catch(() => undefined);
      if (client.isOpen) await client.disconnect().catch(() => undefined);
    },
  };
}
