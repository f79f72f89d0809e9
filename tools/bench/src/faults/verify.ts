import { createHash } from 'node:crypto';
import { apiCall, download } from './http';
import type { Stack } from './stack';
import { EVENTS_PER_BATCH, loginWith, type Ledger } from './workload';

export interface WriteCheck {
  kind: string;
  acknowledged: number;
  missing: string[];
}

/** Runs `check` over `items`, a few at a time, and returns the items it found wrong. */
async function failing<T>(items: T[], check: (item: T) => Promise<boolean>): Promise<T[]> {
  const bad: T[] = [];
  for (let i = 0; i < items.length; i += 8) {
    const slice = items.slice(i, i + 8);
    const results = await Promise.all(slice.map(check));
    slice.forEach((item, j) => results[j] || bad.push(item));
  }
  return bad;
}

/** Every write acknowledged during the run, looked up once every backend is back. */
export async function verifyWrites(stack: Stack, ledger: Ledger, elasticPort: number): Promise<WriteCheck[]> {
  const token = await loginWith(stack, stack.key);
  const bearer = `Bearer ${token}`;
  const taskOf = async (id: string) => (await apiCall(stack.api, 'tasks.get_by_id', bearer, { task: id })).data?.task as { comment?: string } | undefined;
  const edits = [...ledger.edits.entries()].filter(([, e]) => e.acked > 0);
  const batches = [...ledger.eventBatches.entries()];
  const files = [...ledger.files.entries()];
  return [
    {
      kind: 'projects (get_by_id)',
      acknowledged: ledger.projects.length,
      missing: await failing(ledger.projects, async (id) => (await apiCall(stack.api, 'projects.get_by_id', bearer, { project: id })).outcome === 200),
    },
    { kind: 'tasks (get_by_id)', acknowledged: ledger.tasks.length, missing: await failing(ledger.tasks, async (id) => (await taskOf(id)) !== undefined) },
    {
      kind: 'task edits (latest comment)',
      acknowledged: edits.length,
      // The stored comment is the last acknowledged one or one sent after it (sent, then cut off).
      missing: (await failing(edits, async ([id, e]) => e.sent.indexOf((await taskOf(id))?.comment ?? '') >= e.acked - 1)).map(([id]) => id),
    },
    {
      kind: `event batches (${EVENTS_PER_BATCH} events each, counted in Elasticsearch)`,
      acknowledged: batches.reduce((sum, [, variants]) => sum + variants.length, 0),
      missing: (
        await failing(
          batches,
          async ([task, variants]) => (await countEvents(elasticPort, stack.company, task, variants)) === variants.length * EVENTS_PER_BATCH,
        )
      ).map(([task]) => task),
    },
    {
      kind: 'files (downloaded, sha256)',
      acknowledged: files.length,
      missing: (
        await failing(files, async ([path, sha]) => {
          const answer = await download(stack.files, token, path);
          return (
            answer.outcome === 200 &&
            createHash('sha256')
              .update(answer.body ?? Buffer.alloc(0))
              .digest('hex') === sha
          );
        })
      ).map(([path]) => path),
    },
  ];
}

async function countEvents(port: number, company: string, task: string, variants: string[]): Promise<number> {
  if (variants.length === 0) return 0;
  const index = `events-training_stats_scalar-${company}`;
  await fetch(`http://127.0.0.1:${port}/${index}/_refresh`, { method: 'POST' });
  const res = await fetch(`http://127.0.0.1:${port}/${index}/_count`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query: { bool: { filter: [{ term: { task } }, { terms: { variant: variants } }] } } }),
  });
  return ((await res.json()) as { count?: number }).count ?? -1;
}
