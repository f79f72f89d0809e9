import type { RequestHandler } from 'express';
import type { SecretScrubber } from '@warden/secrets';

export interface ReadinessCheck {
  /** The dependency's name as operators know it: `redis`, `mongodb`, `elasticsearch`. */
  name: string;
  check(): Promise<void>;
}

export interface ServiceState {
  draining: boolean;
  /** Conditions that do not make the service unready but that operators must see (auth disabled...). */
  warnings: string[];
  /** Warnings that come and go while serving (a TLS certificate near its end), asked at each `/ready`. */
  liveWarnings?: () => string[];
}

function warningsOf(state: ServiceState): string[] {
  return state.liveWarnings ? [...state.warnings, ...state.liveWarnings()] : state.warnings;
}

const CHECK_TIMEOUT_MS = 2500;

async function runCheck(check: ReadinessCheck): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves once every check passes, or with the names still failing when `timeoutMs` has passed.
 * A pool worker waits for this before it listens: the primary hands connections to every worker
 * that listens, and one still loading its signing keys answered half of them 503.
 */
export async function whenReady(checks: readonly ReadinessCheck[], timeoutMs: number, intervalMs = 100): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const results = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c)] as const));
    const failing = results.filter(([, error]) => error !== undefined).map(([name]) => name);
    if (failing.length === 0 || Date.now() >= deadline) return failing;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** `/health`: the process is alive and serving. */
export const healthHandler: RequestHandler = (_req, res) => {
  res.json({ status: 'ok' });
};

/** `/ready`: every backing service answers; 503 names each one that does not. */
export function readyHandler(checks: readonly ReadinessCheck[], state: ServiceState, scrubber: SecretScrubber): RequestHandler {
  return async (_req, res) => {
    if (state.draining) {
      res.status(503).json({ status: 'draining', failing: [], checks: {}, warnings: warningsOf(state) });
      return;
    }
    const results = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c)] as const));
    const failing = results.filter(([, error]) => error !== undefined).map(([name]) => name);
    const report = Object.fromEntries(results.map(([name, error]) => [name, error === undefined ? { ok: true } : { ok: false, error: scrubber.scrub(error) }]));
    res.status(failing.length ? 503 : 200).json({
      status: failing.length ? 'not_ready' : 'ready',
      failing,
      checks: report,
      warnings: warningsOf(state),
    });
  };
}
