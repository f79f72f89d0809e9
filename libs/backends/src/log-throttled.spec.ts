import { createLogger } from '@warden/http';
import { CapturedLogs } from '@warden/http/testing';
import { SecretScrubber } from '@warden/secrets';
import { logThrottled } from './log-throttled';

describe('logThrottled', () => {
  afterEach(() => jest.useRealTimers());

  it('logs a failing backend once per interval, with the reason', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const logs = new CapturedLogs();
    const warn = logThrottled(createLogger({ name: 't', level: 'info', scrubber: new SecretScrubber(), destination: logs }), 'redis');
    for (let i = 0; i < 50; i++) warn(new Error('ECONNREFUSED'));
    expect(logs.lines).toHaveLength(1);
    expect(JSON.parse(logs.lines[0])).toMatchObject({ backend: 'redis', err: 'ECONNREFUSED', msg: 'redis unavailable; retrying' });
    jest.setSystemTime(1_000_000 + 30_001);
    warn('still down');
    expect(logs.lines).toHaveLength(2);
  });
});
