import { z } from 'zod';
import { ERROR_TABLE, WardenError } from '@warden/errors';
import { id } from './request';

/** The ids of a *_many call (clearml-server's batch_operation request): at least one. */
export const batchIds = z.array(id).min(1, 'must not be empty').max(1000);

export interface BatchFailure {
  id: string;
  error: { codes: readonly [number, number]; msg: string; data: Record<string, unknown> };
}

/**
 * Runs `operation` on each id in turn, as clearml-server's *_many calls do: an id whose operation
 * fails with an API error is listed under `failed` with ClearML's result codes, and the others go
 * on. Any other error is a server fault and fails the call.
 */
export async function runBatch<T extends Record<string, unknown>>(
  ids: readonly string[],
  operation: (id: string) => Promise<T>,
): Promise<{ succeeded: (T & { id: string })[]; failed: BatchFailure[] }> {
  const succeeded: (T & { id: string })[] = [];
  const failed: BatchFailure[] = [];
  for (const itemId of ids) {
    try {
      succeeded.push({ id: itemId, ...(await operation(itemId)) });
    } catch (error) {
      if (!(error instanceof WardenError)) throw error;
      failed.push({ id: itemId, error: { codes: ERROR_TABLE[error.code].result, msg: error.message, data: error.data } });
    }
  }
  return { succeeded, failed };
}
