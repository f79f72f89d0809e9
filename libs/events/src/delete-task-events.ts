import { WardenError } from '@warden/errors';
import { assertTaskId, indicesFor } from './event-types';
import { elastic } from './elastic-errors';
import { LENIENT_INDICES, taskFilter } from './queries';
import type { StoreContext } from './store-context';

const PAGE = 1000;

/**
 * events.delete_for_task without _delete_by_query: repeatedly finds a page of the task's events
 * and bulk-deletes it, refreshing so the next search no longer sees them.
 */
export async function deleteTaskEvents(ctx: StoreContext, company: string, task: string): Promise<{ deleted: number }> {
  assertTaskId(task);
  const index = indicesFor(ctx.indexPrefix, company, '*');
  let deleted = 0;
  for (;;) {
    const page = await elastic(() =>
      ctx.client.search({ index, ...LENIENT_INDICES, size: PAGE, _source: false, query: { bool: { filter: taskFilter(task) } } }),
    );
    const hits = page.hits.hits;
    if (hits.length === 0) return { deleted };
    const response = await elastic(() =>
      ctx.client.bulk({ refresh: true, operations: hits.map((h) => ({ delete: { _index: h._index, _id: h._id as string } })) }),
    );
    const removed = response.items.filter((i) => i.delete && (i.delete.status === 200 || i.delete.status === 404)).length;
    // A page that deletes nothing would be found again forever.
    if (removed === 0) throw new WardenError('ERR_SERVICE_UNAVAILABLE', 'events store did not delete the task events');
    deleted += removed;
  }
}
