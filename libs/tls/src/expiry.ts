import type { ServerCredentials } from './server-credentials';

/** Within this many days of its end, a certificate makes `/ready` warn (never fail). */
export const EXPIRY_WARNING_DAYS = 14;

const DAY_MS = 86_400_000;

export function expiryWarning(credentials: ServerCredentials, setting: string, now = new Date()): string | undefined {
  const left = credentials.notAfter.getTime() - now.getTime();
  if (left > EXPIRY_WARNING_DAYS * DAY_MS) return undefined;
  const when = credentials.notAfter.toISOString();
  const days = Math.max(0, Math.floor(left / DAY_MS));
  return `the TLS certificate (${setting}.cert) expires on ${when}, in ${days} days: renew it (e.g. certbot renew); the renewed files are picked up without a restart`;
}
