import type { Logger, ReadinessCheck } from '@warden/http';

/**
 * Database indexes and index templates: made at start-up, and retried by the readiness check until
 * they exist, so a backend that comes up late delays readiness instead of failing the start.
 */
export function schemaSetup(steps: (() => Promise<void>)[], logger: Logger): ReadinessCheck {
  let done = false;
  let running: Promise<void> | undefined;
  const run = () =>
    (running ??= Promise.all(steps.map((step) => step()))
      .then(() => {
        done = true;
      })
      .finally(() => {
        running = undefined;
      }));
  run().catch((error: unknown) => logger.warn({ err: error }, 'schema set-up failed; /ready retries it'));
  return {
    name: 'schema',
    check: async () => {
      if (!done) await run();
    },
  };
}
