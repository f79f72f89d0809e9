import { Client } from '@elastic/elasticsearch';
import type { HostsConfig } from '@warden/config';
import type { ReadinessCheck } from '@warden/http';

export interface ElasticBackend {
  client: Client;
  readiness: ReadinessCheck;
  close(): Promise<void>;
}

export function connectElasticsearch(hosts: HostsConfig): ElasticBackend {
  const events = hosts.elastic.events;
  const client = new Client({
    nodes: events.hosts.map((h) => `${h.scheme ?? 'http'}://${h.host}:${h.port}`),
    auth: events.username ? { username: events.username, password: events.password ?? '' } : undefined,
    requestTimeout: events.args.timeout * 1000,
    maxRetries: events.args.max_retries,
  });
  return {
    client,
    readiness: {
      name: 'elasticsearch',
      check: async () => {
        const health = await client.cluster.health({}, { requestTimeout: 2000, maxRetries: 0 });
        if (health.status === 'red') throw new Error('cluster health is red');
      },
    },
    close: () => client.close(),
  };
}
