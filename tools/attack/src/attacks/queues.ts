// Cross-tenant access to queues and workers: tenant A's token on tenant B's queue, the task waiting
// in it and B's worker, whose id A knows. B's queue, entry and worker must stay invisible and as
// they were; A's own worker of the same id is A's alone.
import { call, dataOf } from '../http';
import type { Expect } from '../report';
import type { World } from '../world';

const bad = (code: string): Expect => ({ status: 400, code });
const OK: Expect = { status: 200 };

interface Worker {
  id: string;
  company?: { id?: string };
  queues?: { id?: string }[];
}

export async function queueAttacks(w: World): Promise<void> {
  w.report.section('queues and workers');
  const { stack, report } = w;
  const token = w.a.user.token;
  const asB = w.b.user.token;

  // B's set-up: a queue with B's task waiting in it, and a worker listening on it.
  const queue = (await dataOf<{ id: string }>(call(stack.api, 'queues.create', asB, { name: `b-queue-${Date.now()}` }), "B's queue")).id;
  const waiting = (await dataOf<{ id: string }>(call(stack.api, 'tasks.create', asB, { name: 'b-waiting', type: 'training' }), "B's task")).id;
  await dataOf(call(stack.api, 'tasks.enqueue', asB, { task: waiting, queue }), "enqueueing B's task");
  const worker = `b-worker-${Date.now()}`;
  await dataOf(call(stack.api, 'workers.register', asB, { worker, queues: [queue] }), "B's worker");
  const api = async (name: string, expect: Expect, endpoint: string, data: object) =>
    report.answer(`${endpoint} ${name}`, expect, await call(stack.api, endpoint, token, data), [...w.foreignToA, queue]);

  const invalidQueue = bad('ERR_INVALID_QUEUE_ID');
  await api("B's queue", invalidQueue, 'queues.get_by_id', { queue });
  await api("B's queue", invalidQueue, 'queues.get_next_task', { queue, get_task_info: true });
  await api("B's queue", invalidQueue, 'queues.get_num_entries', { queue });
  await api("B's queue and task", invalidQueue, 'queues.remove_task', { queue, task: waiting });
  await api("B's task into B's queue", bad('ERR_INVALID_TASK_ID'), 'queues.add_task', { queue, task: waiting });
  await api("id filter with B's queue", OK, 'queues.get_all', { id: [queue] });
  await api("A's task into B's queue", invalidQueue, 'tasks.enqueue', { task: w.objectsA.task, queue });
  for (const endpoint of ['tasks.dequeue', 'tasks.stop', 'tasks.reset'])
    await api("B's queued task", bad('ERR_INVALID_TASK_ID'), endpoint, { task: waiting, force: true });
  await api("listening on B's queue", invalidQueue, 'workers.register', { worker: 'a-spy', queues: [queue] });
  await api("reporting B's task as running", bad('ERR_INVALID_TASK_ID'), 'workers.status_report', { worker: 'a-spy', task: waiting });

  // A's worker of B's worker id is another entry: registering, reporting and unregistering it leave B's alone.
  await api("id of B's worker", OK, 'workers.register', { worker });
  await api("id of B's worker", OK, 'workers.status_report', { worker });
  await api("id of B's worker", OK, 'workers.unregister', { worker });
  const seenByA = await dataOf<{ workers: Worker[] }>(call(stack.api, 'workers.get_all', token), "A's workers");
  const leaked = seenByA.workers.filter((x) => x.company?.id !== w.a.company || x.queues?.some((q) => q.id === queue));
  report.effect('workers.get_all as A', "none of B's workers", leaked.length ? `${leaked.length} of B's` : "none of B's", leaked.length === 0);

  const bQueue = await dataOf<{ queue: { entries: { task: string }[] } }>(call(stack.api, 'queues.get_by_id', asB, { queue }), "B's queue afterwards");
  const bTask = await dataOf<{ task: { status: string } }>(call(stack.api, 'tasks.get_by_id', asB, { task: waiting }), "B's task afterwards");
  const bWorkers = await dataOf<{ workers: Worker[] }>(call(stack.api, 'workers.get_all', asB), "B's workers afterwards");
  const bWorker = bWorkers.workers.find((x) => x.id === worker);
  const intact = [
    ['queue entry', bQueue.queue.entries.length === 1 && bQueue.queue.entries[0].task === waiting],
    ['task status', bTask.task.status === 'queued'],
    ['worker', bWorker?.company?.id === w.b.company && bWorker.queues?.some((q) => q.id === queue)],
  ] as const;
  const broken = intact.filter(([, ok]) => !ok).map(([what]) => what);
  report.effect("B's queue, task and worker afterwards", 'all intact', broken.length ? `changed: ${broken.join(', ')}` : 'all intact', broken.length === 0);
  await dataOf(call(stack.api, 'workers.unregister', asB, { worker }), "unregistering B's worker");
}
