import { Client, errors } from '@elastic/elasticsearch';
import { WardenError } from '@warden/errors';
import { addBatch, type AddBatchOptions } from './add-batch';

type BulkParams = { operations: Array<Record<string, unknown>> };

/** A client whose _bulk answers from a script, one entry per call; everything else is unused. */
function scriptedClient(script: Array<(ops: number) => unknown>): { client: Client; calls: number[] } {
  const calls: number[] = [];
  const bulk = async (params: BulkParams) => {
    const ops = params.operations.length / 2;
    calls.push(ops);
    const step = script[calls.length - 1];
    return step(ops);
  };
  return { client: { bulk } as unknown as Client, calls };
}

const ok = (ops: number) => ({ errors: false, items: Array.from({ length: ops }, () => ({ index: { status: 201 } })) });
const rejectedAll = (ops: number) => ({
  errors: true,
  items: Array.from({ length: ops }, () => ({ index: { status: 429, error: { type: 'es_rejected_execution_exception' } } })),
});
const unreachable = () => {
  throw new errors.ConnectionError('connect ECONNREFUSED');
};

const opts: AddBatchOptions = { maxBatchEvents: 1000, maxEventBytes: 10_000, plotCompressionThreshold: 0 };
const scalars = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ type: 'training_stats_scalar', task: 't1', metric: 'm', variant: 'v', iter: i, value: i }));
const ctx = (client: Client) => ({ client, indexPrefix: 'x-' });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof WardenError ? error.code : `not a WardenError: ${String(error)}`;
}

describe('addBatch against a scripted Elasticsearch', () => {
  it('refuses empty and oversized batches before any write', async () => {
    const { client, calls } = scriptedClient([]);
    const beforeWrite = jest.fn(async () => undefined);
    expect(await codeOf(addBatch(ctx(client), 'c1', [], { ...opts, beforeWrite }))).toBe('ERR_BATCH_EMPTY');
    const tooMany = addBatch(ctx(client), 'c1', scalars(3), { ...opts, maxBatchEvents: 2, beforeWrite });
    await expect(tooMany).rejects.toMatchObject({
      code: 'ERR_EVENTS_BATCH_TOO_LARGE',
      data: { limit: 2, received: 3 },
      message: expect.stringContaining('2 events'),
    });
    expect(await codeOf(addBatch(ctx(client), 'c1', [{ type: 'nope' }], { ...opts, beforeWrite }))).toBe('ERR_EVENTS_NOT_ADDED');
    expect(await codeOf(addBatch(ctx(client), 'Bad,Company', scalars(1), { ...opts, beforeWrite }))).toBe('ERR_BAD_REQUEST');
    expect([calls, beforeWrite.mock.calls.length]).toEqual([[], 0]);
  });

  it('answers 503 when Elasticsearch is unreachable or rejects every item with 429', async () => {
    expect(await codeOf(addBatch(ctx(scriptedClient([unreachable]).client), 'c1', scalars(3), opts))).toBe('ERR_SERVICE_UNAVAILABLE');
    expect(await codeOf(addBatch(ctx(scriptedClient([rejectedAll]).client), 'c1', scalars(3), opts))).toBe('ERR_SERVICE_UNAVAILABLE');
  });

  it('acknowledges only the chunks that were stored when Elasticsearch goes away mid-batch', async () => {
    const { client, calls } = scriptedClient([ok, unreachable]);
    const { result } = await addBatch(ctx(client), 'c1', scalars(700), opts);
    expect(calls).toEqual([500, 200]);
    expect(result).toEqual({ added: 500, errors: 200, errors_info: { 'Events store unavailable, not stored': 200 } });
  });

  it('reports per-item failures and invalid events next to the stored ones', async () => {
    const partial = (ops: number) => ({
      errors: true,
      items: Array.from({ length: ops }, (_, i) => ({ index: i === 0 ? { status: 400, error: { type: 'document_parsing_exception' } } : { status: 201 } })),
    });
    const { result } = await addBatch(ctx(scriptedClient([partial]).client), 'c1', [...scalars(3), { type: 'log' }], opts);
    expect(result).toEqual({
      added: 2,
      errors: 2,
      errors_info: { "Event must have a 'task' field": 1, 'Error when indexing events batch (document_parsing_exception)': 1 },
    });
  });
});

describe('addBatch reports what the stored events say about each task and model', () => {
  // Item statuses in order: 201 stored for the first time, 200 overwrote an earlier copy, 400 refused.
  const answering = (statuses: number[]) => () => ({
    errors: true,
    items: statuses.map((status) => ({ index: status < 300 ? { status } : { status, error: { type: 'document_parsing_exception' } } })),
  });
  const event = (iter: number, value: number, extra: Record<string, unknown> = {}) => ({
    type: 'training_stats_scalar',
    task: 't1',
    metric: 'loss',
    variant: 'train',
    iter,
    value,
    timestamp: 1000 + iter,
    ...extra,
  });

  it('summarizes only stored events, counting only those stored for the first time', async () => {
    const events = [
      event(3, 0.5, { x_axis_label: 'epoch' }),
      event(1, 0.9, { x_axis_label: 'step' }),
      event(9, 0.01),
      event(2, 0.1),
      { type: 'log', task: 't1', msg: 'x', iter: 12 },
    ];
    const { reports } = await addBatch(ctx(scriptedClient([answering([201, 200, 400, 201, 201])]).client), 'c1', events, opts);
    expect(reports).toEqual([
      {
        id: 't1',
        model: false,
        lastIteration: 12,
        scalars: [
          {
            metric: 'loss',
            variant: 'train',
            last: { iter: 3, timestamp: 1003, value: 0.5 },
            min: { value: 0.1, iter: 2 },
            max: { value: 0.9, iter: 1 },
            first: { iter: 1, value: 0.9 },
            added: 2,
            addedTotal: 0.6,
            x_axis_label: 'epoch',
          },
        ],
      },
    ]);
  });

  it("keeps a model's events apart from a task of the same id, and never reports a negative iteration", async () => {
    const events = [event(-5, 1), event(4, 2, { model_event: true })];
    const { reports } = await addBatch(ctx(scriptedClient([ok]).client), 'c1', events, opts);
    expect(reports.map((r) => [r.id, r.model, r.lastIteration, r.scalars[0].max])).toEqual([
      ['t1', false, 0, { value: 1, iter: -5 }],
      ['t1', true, 4, { value: 2, iter: 4 }],
    ]);
  });
});
