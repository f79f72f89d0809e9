// Password spraying from one client that forges a new address in every forwarding header on every
// attempt, straight at the gateway and through the apiserver. The gateway must key its per-client
// limit on an address it can trust (its socket, or what the apiserver vouches for), so each spray
// meets 429 after the per-client limit. Runs last: it leaves this client limited (the private
// Redis is flushed before each spray).
import { randomBytes } from 'node:crypto';
import { basic, send, type Answer } from '../http';
import { rememberSecret } from '../leaks';
import type { World } from '../world';

/**
 * Failed logins one client address may make in the window: the suite sets the gateway's limit
 * (100 by default) this low so the spray costs 20 password hashes, not 100; what is tested, that
 * forged headers do not make a new client, does not depend on the number.
 */
export const PER_CLIENT_LIMIT = 20;
// A few attempts in flight: the gateway's password hashing is the cost, not the round trips.
const CONCURRENCY = 3;
const ATTEMPTS = PER_CLIENT_LIMIT + 2 * CONCURRENCY;

const forgedAddress = () => Array.from(randomBytes(4)).join('.');

/** Every header a proxy (or a client pretending to be one) uses to name the original client. */
function forgedHeaders(): Record<string, string> {
  const ip = forgedAddress();
  return {
    'X-Forwarded-For': ip,
    'X-Real-IP': forgedAddress(),
    Forwarded: `for=${forgedAddress()};proto=https`,
    'True-Client-IP': forgedAddress(),
    'CF-Connecting-IP': forgedAddress(),
    'X-Client-IP': forgedAddress(),
    'X-Warden-Forwarded-Client': `v1;${ip};${Date.now()};${randomBytes(32).toString('base64url')}`,
  };
}

function attempt(base: string): Promise<Answer> {
  const password = `Spray-${randomBytes(12).toString('base64url')}`;
  rememberSecret('a sprayed password', password);
  return send(base, { path: '/auth.login', headers: { ...basic(`victim-${randomBytes(4).toString('hex')}`, password), ...forgedHeaders() } });
}

interface SprayResult {
  /** The number of the first attempt answered 429 (in completion order), 0 if none was. */
  limitedAt: number;
  limited?: Answer;
  /** Answers other than 401 and 429. */
  unexpected: string[];
}

async function spray(base: string, attempts: number, concurrency: number): Promise<SprayResult> {
  const result: SprayResult = { limitedAt: 0, unexpected: [] };
  let started = 0;
  let completed = 0;
  const worker = async () => {
    while (started < attempts && !result.limitedAt) {
      started++;
      const answer = await attempt(base);
      completed++;
      if (answer.status === 429 && !result.limitedAt) Object.assign(result, { limitedAt: completed, limited: answer });
      else if (answer.status !== 401 && answer.status !== 429) result.unexpected.push(`${answer.status} ${answer.code ?? answer.error ?? ''}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return result;
}

function report(w: World, where: string, attempts: number, r: SprayResult, expectedBy: number): void {
  const retryAfter = r.limited?.headers['retry-after'];
  const actual = r.limitedAt ? `429 ${r.limited?.code} at attempt ${r.limitedAt}, Retry-After ${String(retryAfter)}` : `no 429 in ${attempts} attempts`;
  const ok = r.limitedAt > 0 && r.limitedAt <= expectedBy && r.limited?.code === 'ERR_RATE_LIMITED' && retryAfter !== undefined;
  w.report.effect(
    `${where}: failed logins, a new forged address in every forwarding header each time`,
    `429 ERR_RATE_LIMITED with Retry-After by attempt ${expectedBy}`,
    actual,
    ok,
    !r.limitedAt,
  );
  const serverError = r.unexpected.some((u) => u.startsWith('5'));
  w.report.effect(
    `${where}: every other spray answer`,
    '401 ERR_INVALID_CREDENTIALS, never 5xx',
    r.unexpected.length ? `${r.unexpected.length} others: ${[...new Set(r.unexpected)].join(', ')}` : 'all 401',
    r.unexpected.length === 0,
    false,
    serverError,
  );
}

export async function sprayAttacks(w: World): Promise<void> {
  w.report.section('login spraying');
  for (const [where, base] of [
    ['gateway', w.stack.gateway],
    ['via the apiserver', w.stack.api],
  ]) {
    await w.stack.redisFlush();
    report(w, where, ATTEMPTS, await spray(base, ATTEMPTS, CONCURRENCY), PER_CLIENT_LIMIT + CONCURRENCY);
  }
}
