import { createClient, type RedisClientType } from 'redis';
import { RevocationList } from './revocation-list';

describe('RevocationList without Redis', () => {
  it('fails start() when Redis is unreachable and can be started again later', async () => {
    const redis: RedisClientType = createClient({ socket: { host: '127.0.0.1', port: 1, reconnectStrategy: false } });
    const list = new RevocationList({ redis, onError: () => undefined });
    await expect(list.start()).rejects.toThrow();
    await expect(list.start()).rejects.not.toThrow(/already started/);
  });
});
