import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import type { WorkersSetting } from '@warden/config';
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from './logger';
import { startMetricsServer } from './metrics';

export interface WorkerPoolOptions {
  app: string;
  workers: number;
  logger: Logger;
  /** How long a worker may drain before the pool kills it. */
  shutdownTimeoutMs: number;
  /** Served by the primary, aggregating every worker's registry. */
  metrics?: { host: string; port: number };
}

const FIRST_RESTART_DELAY_MS = 1000;
const MAX_RESTART_DELAY_MS = 30_000;
// A worker that served this long before dying resets the back-off: it was not a crash loop.
const STABLE_AFTER_MS = 60_000;
// Past the drain timeout, a worker gets this much longer to run its close hooks before SIGKILL.
const KILL_GRACE_MS = 5000;

export function workerCount(setting: WorkersSetting): number {
  return setting === 'auto' ? availableParallelism() : setting;
}

/**
 * The primary process of a service running several workers: forks them (each one a full replica
 * sharing the listening port), replaces a worker that dies after it started serving, with
 * back-off, and stops everything when one fails before listening, since a start-up failure
 * (bad config, port taken) would only repeat. SIGTERM/SIGINT drain every worker, then resolve
 * with the exit code for the primary.
 */
export function runWorkerPool(options: WorkerPoolOptions): Promise<number> {
  const { logger } = options;
  const listening = new Set<Worker>();
  const startedAt = new Map<Worker, number>();
  let restartDelayMs = FIRST_RESTART_DELAY_MS;
  let stopping = false;
  let exitCode = 0;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));

  const fork = () => startedAt.set(cluster.fork(), Date.now());
  const alive = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());

  const stop = (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    const workers = alive();
    logger.info({ reason }, `stopping ${workers.length} workers`);
    for (const worker of workers) worker.process.kill('SIGTERM');
    setTimeout(
      () => {
        for (const worker of alive()) worker.process.kill('SIGKILL');
      },
      options.shutdownTimeoutMs * 2 + KILL_GRACE_MS,
    ).unref();
    if (workers.length === 0) finish(exitCode);
  };

  cluster.on('listening', (worker) => listening.add(worker));
  cluster.on('exit', (worker, code, signal) => {
    const served = listening.delete(worker);
    const lifeMs = Date.now() - (startedAt.get(worker) ?? Date.now());
    startedAt.delete(worker);
    if (stopping) {
      if (alive().length === 0) finish(exitCode);
      return;
    }
    if (!served) {
      logger.error({ pid: worker.process.pid, code, signal }, 'a worker exited before it listened: stopping the service');
      stop('worker start-up failed', code || 1);
      return;
    }
    if (lifeMs > STABLE_AFTER_MS) restartDelayMs = FIRST_RESTART_DELAY_MS;
    logger.error({ pid: worker.process.pid, code, signal, restart_in_ms: restartDelayMs }, 'a worker died: starting another');
    setTimeout(() => stopping || fork(), restartDelayMs);
    restartDelayMs = Math.min(restartDelayMs * 2, MAX_RESTART_DELAY_MS);
  });
  process.once('SIGTERM', () => stop('SIGTERM', 0));
  process.once('SIGINT', () => stop('SIGINT', 0));

  logger.info({ workers: options.workers }, `${options.app} starting ${options.workers} workers`);
  for (let i = 0; i < options.workers; i++) fork();
  if (options.metrics) {
    const registry = new AggregatorRegistry();
    void startMetricsServer(() => registry.clusterMetrics(), registry.contentType, options.metrics.host, options.metrics.port).then(
      (server) => {
        logger.info({ url: `http://${options.metrics?.host}:${(server.address() as AddressInfo).port}/metrics` }, 'metrics of all workers listening');
        void done.then(() => server.close());
      },
      (error: unknown) => {
        logger.error({ err: error }, 'metrics listener failed to start');
        stop('metrics listener failed', 1);
      },
    );
  }
  return done;
}
