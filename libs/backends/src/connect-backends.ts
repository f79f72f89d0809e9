import type { HostsConfig } from '@warden/config';
import type { Logger, ReadinessCheck } from '@warden/http';
import { connectElasticsearch, type ElasticBackend } from './elasticsearch';
import { connectMongo, type MongoBackend } from './mongo';
import { connectRedis, type RedisBackend } from './redis';

export interface BackendNeeds {
  redis?: boolean;
  /** Which of ClearML's databases (`hosts.mongo.<name>`) the service uses. */
  mongo?: 'backend' | 'auth';
  elasticsearch?: boolean;
}

export interface Backends {
  redis?: RedisBackend;
  mongo?: MongoBackend;
  elasticsearch?: ElasticBackend;
  readiness: ReadinessCheck[];
  close(): Promise<void>;
}

/** Opens the backing services a service needs; each reports its own readiness. */
export function connectBackends(hosts: HostsConfig, needs: BackendNeeds, logger: Logger): Backends {
  const redis = needs.redis ? connectRedis(hosts, logger) : undefined;
  const mongo = needs.mongo ? connectMongo(hosts.mongo[needs.mongo].host, logger) : undefined;
  const elasticsearch = needs.elasticsearch ? connectElasticsearch(hosts) : undefined;
  const all = [redis, mongo, elasticsearch].filter((b) => b !== undefined);
  return {
    redis,
    mongo,
    elasticsearch,
    readiness: all.map((b) => b.readiness),
    close: async () => {
      await Promise.all(all.map((b) => b.close()));
    },
  };
}
