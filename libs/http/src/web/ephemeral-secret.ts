import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '@warden/config';
import type { Logger } from '../logger';

/**
 * Development may run without a secret (production refuses to start without it, see libs/secrets):
 * the process then keys with a random value of its own and says what that costs. Workers of one
 * service cannot: each would draw its own value and reject what the others signed or hashed.
 */
export function secretOrEphemeral(value: string | undefined, path: string, logger: Logger, consequence = 'using a random value for this process only'): string {
  if (value) return value;
  if (cluster.isWorker) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      `${path} is not set, and the workers of one service must share it: set it (npm run secrets) or run a single worker`,
    );
  }
  logger.warn(`${path} is not set: ${consequence}`);
  return randomBytes(48).toString('base64url');
}
