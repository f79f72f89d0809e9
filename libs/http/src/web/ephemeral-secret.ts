import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger';

/**
 * Development may run without a secret (production refuses to start without it, see libs/secrets):
 * the process then keys with a random value of its own and says what that costs.
 */
export function secretOrEphemeral(value: string | undefined, path: string, logger: Logger, consequence = 'using a random value for this process only'): string {
  if (value) return value;
  logger.warn(`${path} is not set: ${consequence}`);
  return randomBytes(48).toString('base64url');
}
