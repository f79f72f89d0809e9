import type { Client, estypes } from '@elastic/elasticsearch';
import { EVENT_TYPES, type EventType } from './event-types';
import { elastic } from './elastic-errors';

type Properties = Record<string, estypes.MappingProperty>;

// ClearML's events mappings, plus `event_id` (a copy of _id: ES 8 cannot sort on _id, and paging
// needs a unique tie-breaker) and plot bookkeeping fields. `dynamic: false` keeps client-chosen keys
// in _source without letting them grow the mapping.
const COMMON: Properties = {
  '@timestamp': { type: 'date' },
  event_id: { type: 'keyword' },
  task: { type: 'keyword' },
  type: { type: 'keyword' },
  worker: { type: 'keyword' },
  timestamp: { type: 'date' },
  iter: { type: 'long' },
  metric: { type: 'keyword' },
  variant: { type: 'keyword' },
  value: { type: 'float' },
  company_id: { type: 'keyword' },
  model_event: { type: 'boolean' },
};

const PER_TYPE: Record<EventType, Properties> = {
  training_stats_scalar: {},
  training_stats_vector: {},
  log: { msg: { type: 'text', index: false }, level: { type: 'keyword' } },
  plot: {
    plot_str: { type: 'text', index: false },
    plot_data: { type: 'binary' },
    plot_len: { type: 'long' },
    valid_plot: { type: 'boolean' },
    source_urls: { type: 'keyword' },
  },
  training_debug_image: { key: { type: 'keyword' }, url: { type: 'keyword' } },
};

export function eventMappings(type: EventType): estypes.MappingTypeMapping {
  return { dynamic: false, properties: { ...COMMON, ...PER_TYPE[type] } };
}

/**
 * Installs one composable index template per event type. PUT is idempotent, so replicas starting
 * together all succeed, and an index auto-created by any replica's first bulk write gets the mappings.
 */
export async function ensureTemplates(client: Client, opts: { indexPrefix?: string; replicas?: number } = {}): Promise<void> {
  const prefix = opts.indexPrefix ?? '';
  await Promise.all(
    EVENT_TYPES.map((type) =>
      elastic(() =>
        client.indices.putIndexTemplate({
          name: `${prefix}events-${type}`,
          index_patterns: [`${prefix}events-${type}-*`],
          priority: 100,
          template: {
            settings: { number_of_shards: 1, number_of_replicas: opts.replicas ?? 0 },
            mappings: eventMappings(type),
          },
        }),
      ),
    ),
  );
}

export async function deleteTemplates(client: Client, indexPrefix: string): Promise<void> {
  await Promise.all(EVENT_TYPES.map((type) => elastic(() => client.indices.deleteIndexTemplate({ name: `${indexPrefix}events-${type}` }, { ignore: [404] }))));
}

/** Removes every index and template under a prefix: what tests and benchmarks leave behind. */
export async function deletePrefixed(client: Client, indexPrefix: string): Promise<void> {
  if (indexPrefix === '') throw new Error('deletePrefixed needs a non-empty prefix');
  const indices = await client.cat.indices({ index: `${indexPrefix}*`, format: 'json', h: 'index' });
  // Named one by one: wildcard deletes are refused when action.destructive_requires_name is set.
  for (const { index } of indices) if (index) await client.indices.delete({ index });
  await deleteTemplates(client, indexPrefix);
}
