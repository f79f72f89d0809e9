import { startTestApp, type TestApp } from './testing/int-test-app';

// With the apiserver's 16 MiB body limit, a request can still make a document the database will
// not hold: a JSON array costs 2 bytes an element, BSON about 10.
describe('objects larger than the database holds (real FerretDB)', () => {
  let t: TestApp;
  let task: string;
  const huge = () => ({ values: new Array(2_500_000).fill(0) });

  beforeAll(async () => {
    t = await startTestApp({ maxBodyBytes: 16 * 1024 * 1024 });
    task = (await t.call('alice', 'tasks.create', { name: 'large', type: 'training' })).data.id as string;
  });
  afterAll(() => t.close());

  const outcome = (res: { status: number; meta: Record<string, unknown> }) => [res.status, (res.meta.error_data as { code?: string }).code];

  it.each([
    ['tasks.create', () => ({ name: 'too large', type: 'training', runtime: huge() })],
    ['tasks.edit', () => ({ task, runtime: huge() })],
    ['models.create', () => ({ name: 'too large', uri: 'u', design: huge() })],
  ])(
    'answers %s with 400 ERR_DOCUMENT_TOO_LARGE and stores nothing of it',
    async (endpoint, body) => {
      expect(outcome(await t.call('alice', endpoint, body()))).toEqual([400, 'ERR_DOCUMENT_TOO_LARGE']);
      const stored = (await t.call('alice', 'tasks.get_by_id', { task })).data.task as Record<string, unknown>;
      expect(JSON.stringify(stored).length).toBeLessThan(10_000);
    },
    60_000,
  );
});
