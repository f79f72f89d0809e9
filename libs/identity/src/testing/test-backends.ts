import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { createClient, type RedisClientType } from 'redis';

// Integration specs only: the services from `tools/services.sh up redis mongo` on loopback.
export async function openTestDatabase(): Promise<{ connection: Connection; drop: () => Promise<void> }> {
  const name = `warden_test_identity_${randomBytes(6).toString('hex')}`;
  const connection = await mongoose
    .createConnection(`mongodb://127.0.0.1:27017/${name}`, { serverSelectionTimeoutMS: 3000, autoIndex: false, monitorCommands: true })
    .asPromise();
  return {
    connection,
    drop: async () => {
      await connection.dropDatabase();
      await connection.close();
    },
  };
}

export async function openTestRedis(): Promise<RedisClientType> {
  const client: RedisClientType = createClient({ socket: { host: '127.0.0.1', port: 6379 } });
  await client.connect();
  return client;
}

/** Every string a failure message must never contain. */
export function expectNoSecretIn(error: unknown, secrets: string[]): void {
  const text = error instanceof Error ? `${error.message} ${JSON.stringify(error)} ${error.stack ?? ''}` : String(error);
  for (const secret of secrets) expect(text).not.toContain(secret);
}
