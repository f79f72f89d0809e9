import { createClient, type RedisClientType } from 'redis';
import type { HostsConfig } from '@warden/config';
import type { Logger, ReadinessCheck } from '@warden/http';
import { logThrottled } from './log-throttled';

export interface RedisBackend {
  client: RedisClientType;
  readiness: ReadinessCheck;
  close(): Promise<void>;
}

/**
 * Connects in the background and keeps reconnecting, so a service starts (and reports not ready)
 * while Redis is down. Commands fail fast instead of queueing while disconnected.
 */
export function connectRedis(hosts: HostsConfig, logger: Logger): RedisBackend {
  const { host, port, db, password } = hosts.redis.apiserver;
  const client: RedisClientType = createClient({
    socket: { host, port, connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
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
      // quit() waits for the server, which may be the thing that is down.
      if (client.isReady) await client.quit().catch(() => undefined);
      else if (client.isOpen) await client.disconnect().catch(() => undefined);
    },
  };
}
