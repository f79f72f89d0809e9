import type { Client } from '@elastic/elasticsearch';

export interface StoreContext {
  client: Client;
  indexPrefix: string;
}

/** Results never exceed ES's default max_result_window in one request. */
export const MAX_PAGE = 10_000;

export function clampBatch(requested: number | undefined, fallback: number): number {
  if (requested === undefined || !Number.isFinite(requested)) return fallback;
  return Math.min(MAX_PAGE, Math.max(1, Math.trunc(requested)));
}
