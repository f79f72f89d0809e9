import { whenReady, type ReadinessCheck } from './readiness';

const failingUntil = (name: string, passes: () => boolean): ReadinessCheck => ({
  name,
  check: async () => {
    if (!passes()) throw new Error(`${name} not yet`);
  },
});

describe('whenReady (a pool worker waits for it before listening)', () => {
  it('resolves with nothing failing once every check passes, not before', async () => {
    const started = Date.now();
    const failing = await whenReady([failingUntil('identity', () => Date.now() - started >= 150), failingUntil('redis', () => true)], 5000, 20);
    expect(failing).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('gives up after the timeout and names the checks still failing', async () => {
    const started = Date.now();
    const failing = await whenReady([failingUntil('identity', () => false), failingUntil('redis', () => true)], 120, 20);
    expect(failing).toEqual(['identity']);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
