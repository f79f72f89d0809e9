import type { estypes } from '@elastic/elasticsearch';
import type { MetricVariants } from './scroll-id';

/** ClearML reports "single value" scalars at this iteration; histograms and metric lists skip them. */
export const SINGLE_SCALAR_ITERATION = -(2 ** 31);

/** Every query starts from these: the index list names one company, the filter one or more tasks. */
export function taskFilter(tasks: string | string[], metrics?: MetricVariants[]): estypes.QueryDslQueryContainer[] {
  const filter: estypes.QueryDslQueryContainer[] = [typeof tasks === 'string' ? { term: { task: tasks } } : { terms: { task: tasks } }];
  if (metrics && metrics.length > 0) filter.push(metricVariantsCondition(metrics));
  return filter;
}

export function metricVariantsCondition(metrics: MetricVariants[]): estypes.QueryDslQueryContainer {
  return {
    bool: {
      minimum_should_match: 1,
      should: metrics.map(({ metric, variants }) =>
        variants && variants.length > 0 ? { bool: { filter: [{ term: { metric } }, { terms: { variant: variants } }] } } : { term: { metric } },
      ),
    },
  };
}

/** Missing indices (a company that never reported that type) answer as empty, not as errors. */
export const LENIENT_INDICES = { ignore_unavailable: true, allow_no_indices: true } as const;

export function stripInternal(source: Record<string, unknown>): Record<string, unknown> {
  const event = { ...source };
  delete event.event_id;
  return event;
}
