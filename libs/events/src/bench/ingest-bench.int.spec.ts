import { Client } from '@elastic/elasticsearch';
import { benchIngest } from './ingest-bench';

// Checks the benchmark runs and leaves nothing behind; the figures themselves are not asserted.
describe('benchIngest', () => {
  const client = new Client({ node: 'http://127.0.0.1:9200', maxRetries: 0, requestTimeout: 60_000 });
  afterAll(() => client.close());

  it('measures both paths and removes its indices', async () => {
    const result = await benchIngest({ client, events: 1000, batch: 500 });
    expect(result.viaStorePerSec).toBeGreaterThan(0);
    expect(result.directBulkPerSec).toBeGreaterThan(0);
    const left = await client.cat.indices({ index: 'bench*', format: 'json', h: 'index' });
    expect(left).toEqual([]);
  });
});
