import { createHash } from 'node:crypto';

/** Names a token in logs without making it usable: the first 16 hex digits of its sha256. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}
