import { benchVerify } from './verify-bench';

describe('benchVerify', () => {
  it('measures both paths, the cached one far cheaper', async () => {
    const { coldPerSec, cachedPerSec } = await benchVerify({ seconds: 0.3 });
    expect(coldPerSec).toBeGreaterThan(100);
    expect(cachedPerSec).toBeGreaterThan(coldPerSec * 3);
  });
});
