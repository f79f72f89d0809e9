import cluster from 'node:cluster';
import type { Server } from 'node:http';
import type { Agent } from 'node:https';
import type { Router } from 'express';
import type { ZodType, ZodTypeDef } from 'zod';
import {
  ConfigError,
  resolveConfig,
  runConfigCommand,
  type ConfigObject,
  type KeyScope,
  type LoggingConfig,
  type ResolvedConfig,
  type ServiceConfig,
  type WorkersSetting,
} from '@warden/config';
import { backendPorts, runDoctorCommand, runningFacts } from '@warden/doctor';
import { runSecretsCommand, type AppName, type SecretScrubber } from '@warden/secrets';
import { internalAgent, loadServerCredentials, refuseSkipVerify, selfAgent, type CredentialFiles, type ServerCredentials } from '@warden/tls';
import type { DestinationStream } from 'pino';
import type { Registry } from 'prom-client';
import type { FastRoutes } from './fast-routes';
import { createLogger, type Logger } from './logger';
import { createMetrics, startMetricsServer } from './metrics';
import { whenReady, type ReadinessCheck, type ServiceState } from './readiness';
import { listen, type RunningServer } from './server';
import { TlsServing } from './tls-serving';
import { runWorkerPool, workerCount } from './worker-pool';

/** How long a pool worker waits for its backing services before it listens anyway (and says so). */
const WORKER_READY_TIMEOUT_MS = 30_000;

/** What every service's config has: its listener section and logging. */
export interface BaseConfig {
  logging: LoggingConfig;
}

export interface ServiceContext<C> {
  config: C;
  resolved: ResolvedConfig;
  logger: Logger;
  scrubber: SecretScrubber;
  /** For calls to other services over https: trusts what `<service>.tls.ca_file/cert_name/skip_verify` say. */
  httpsAgent: Agent;
  /** The service's Prometheus registry, for metrics of its own; absent when metrics are off. */
  metricsRegistry?: Registry;
}

export interface ServiceParts {
  routes: Router;
  /** Hot paths the kit serves without the router: see createServiceApp. */
  fastRoutes?: FastRoutes;
  readiness: ReadinessCheck[];
  warnings?: string[];
  /** The ClearML endpoints (`service.action`) the service registered: logged at start, handed back by startService. */
  endpoints?: readonly string[];
  /** For services that stream long transfers: see ListenOptions.idleTimeoutMs. */
  idleTimeoutMs?: number;
  close?: () => Promise<void>;
}

export interface ServiceDefinition<C extends BaseConfig> {
  app: AppName;
  /** Picks the listener settings out of the typed config. */
  listener: (config: C) => ServiceConfig;
  /** The listener's config section (`auth_gateway`): names settings in messages. */
  section: string;
  /** The port this service listens on with TLS on when the operator set none (the seed's 8443 for the web origin). */
  tlsDefaultPort?: number;
  defaults: ConfigObject;
  // Input may differ from output: defaults fill in what the layers leave out.
  schema: ZodType<C, ZodTypeDef, unknown>;
  /** The config sections this app answers for in unknown-key warnings; its own section by default. */
  keys?: KeyScope;
  /** Services that can run as several worker processes say how many; the others always run one. */
  workers?: (config: C) => WorkersSetting;
  start(context: ServiceContext<C>): Promise<ServiceParts>;
  /** The app's own operator verbs (e.g. the gateway's `tenant`), run instead of serving. */
  commands?: Record<string, ServiceCommand<C>>;
}

export interface CommandContext<C> {
  config: C;
  /** The running service as its own host reaches it: https when TLS is on, with an agent trusting its certificate. */
  self: { url: string; agent?: Agent };
  print: (text: string) => void;
  printError: (text: string) => void;
}

/** Runs with the validated configuration (the secret policy is the serving process's concern); returns the exit code. */
export type ServiceCommand<C> = (args: readonly string[], context: CommandContext<C>) => Promise<number>;

export interface StartOptions {
  argv?: readonly string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Log sink; stdout when omitted. */
  destination?: DestinationStream;
  /** Where command output goes (stdout by default). */
  print?: (text: string) => void;
  /** Where fatal configuration errors go (stderr by default). */
  printError?: (text: string) => void;
}

export type StartResult = { exitCode: number } | (RunningServer & { metrics?: Server; logger: Logger; endpoints: readonly string[] });

/** EX_CONFIG from sysexits: the configuration is wrong; restarting will not help. */
export const EXIT_CONFIG = 78;

interface Prepared<C> {
  config: C;
  resolved: ResolvedConfig;
  /** For the serving process to log: the primary of a worker pool leaves them to its workers. */
  warnings: string[];
  /** The served certificate chain and key, checked, when TLS is on. */
  tls?: { files: CredentialFiles; credentials: ServerCredentials };
  httpsAgent: Agent;
}

function isServeCommand(argv: readonly string[]): boolean {
  return argv.length === 0 || argv[0] === 'serve';
}

/** Resolves and validates the configuration and enforces the secret policy; runs the CLI verbs instead. */
function prepare<C extends BaseConfig>(definition: ServiceDefinition<C>, options: StartOptions): Prepared<C> | { exitCode: number } {
  const argv = options.argv ?? [];
  const print = options.print ?? ((text: string) => process.stdout.write(`${text}\n`));
  if (argv[0] === 'secrets') return { exitCode: runSecretsCommand(argv.slice(1), print) };
  try {
    const resolved = resolveConfig({ app: definition.app, defaults: definition.defaults, env: options.env, cwd: options.cwd });
    if (argv[0] === 'config') return { exitCode: runConfigCommand(argv.slice(1), resolved, definition.schema, print, definition.keys) };
    if (!isServeCommand(argv)) {
      const verbs = ['serve', 'config', 'secrets', 'doctor', ...Object.keys(definition.commands ?? {})].join(', ');
      printError(options, `unknown command '${argv[0]}': use ${verbs}`);
      return { exitCode: 2 };
    }
    const config = resolved.validate(definition.schema);
    const { tls, httpsAgent } = prepareTls(definition, config, resolved);
    const secretWarnings = resolved.enforceSecretPolicy();
    const unknownKeys = resolved.unknownKeys(definition.schema, definition.keys);
    return { config, resolved, tls, httpsAgent, warnings: [...resolved.warnings, ...unknownKeys, ...secretWarnings, ...tlsWarnings(definition, config)] };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    printError(options, `${definition.app}: ${error.code}: ${error.message}`);
    return { exitCode: EXIT_CONFIG };
  }
}

/** Checks the served pair (and the trust settings' mode) before anything starts: a bad file stops the service with what to fix. */
function prepareTls<C extends BaseConfig>(definition: ServiceDefinition<C>, config: C, resolved: ResolvedConfig): Pick<Prepared<C>, 'tls' | 'httpsAgent'> {
  const { tls } = definition.listener(config);
  const setting = `${definition.section}.tls`;
  refuseSkipVerify(tls.skip_verify, resolved.mode, setting);
  const httpsAgent = internalAgent({ caFile: tls.ca_file, certName: tls.cert_name, skipVerify: tls.skip_verify }, setting);
  if (!tls.cert || !tls.key) return { httpsAgent };
  const files = { cert: tls.cert, key: tls.key, setting };
  return { httpsAgent, tls: { files, credentials: loadServerCredentials(files) } };
}

function tlsWarnings<C extends BaseConfig>(definition: ServiceDefinition<C>, config: C): string[] {
  if (!definition.listener(config).tls.skip_verify) return [];
  return [`${definition.section}.tls.skip_verify is on: certificates of the services this one calls are not checked (development only)`];
}

/** The port to listen on: the TLS default (8443 for the web origin) unless the operator chose one. */
function listenPort<C extends BaseConfig>(definition: ServiceDefinition<C>, config: C, resolved: ResolvedConfig): number {
  const { listen_port, tls } = definition.listener(config);
  if (!tls.cert || definition.tlsDefaultPort === undefined) return listen_port;
  return resolved.isDefault(`${definition.section}.listen_port`) ? definition.tlsDefaultPort : listen_port;
}

function selfTarget<C extends BaseConfig>(definition: ServiceDefinition<C>, config: C, resolved: ResolvedConfig): CommandContext<C>['self'] {
  const { listen_ip, tls } = definition.listener(config);
  const host = listen_ip === '0.0.0.0' || listen_ip === '::' ? '127.0.0.1' : listen_ip;
  const origin = `${tls.cert ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${listenPort(definition, config, resolved)}`;
  return { url: origin, agent: tls.cert ? selfAgent(tls.cert, `${definition.section}.tls`) : undefined };
}

function printError(options: StartOptions, text: string): void {
  (options.printError ?? ((line: string) => process.stderr.write(`${line}\n`)))(text);
}

/**
 * Resolves and validates the configuration, enforces the secret policy, then serves. The CLI
 * verbs `config dump|explain|check` and `secrets generate` run instead of serving.
 */
export async function startService<C extends BaseConfig>(definition: ServiceDefinition<C>, options: StartOptions = {}): Promise<StartResult> {
  const [verb, ...args] = options.argv ?? [];
  if (verb === 'doctor') return { exitCode: await runDoctorVerb(definition, args, options) };
  const command = verb === undefined ? undefined : definition.commands?.[verb];
  if (command) return { exitCode: await runCommand(definition, command, args, options) };
  const prepared = prepare(definition, options);
  return 'exitCode' in prepared ? prepared : serve(definition, prepared, options);
}

async function runCommand<C extends BaseConfig>(
  definition: ServiceDefinition<C>,
  command: ServiceCommand<C>,
  args: readonly string[],
  options: StartOptions,
): Promise<number> {
  const print = options.print ?? ((text: string) => process.stdout.write(`${text}\n`));
  try {
    const resolved = resolveConfig({ app: definition.app, defaults: definition.defaults, env: options.env, cwd: options.cwd });
    const config = resolved.validate(definition.schema);
    return await command(args, { config, self: selfTarget(definition, config, resolved), print, printError: (text) => printError(options, text) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    printError(options, `${definition.app}: ${error.code}: ${error.message}`);
    return EXIT_CONFIG;
  }
}

/** `doctor`: the hardening checklist over this app's resolved (not yet validated) config and the URLs given. */
async function runDoctorVerb<C extends BaseConfig>(definition: ServiceDefinition<C>, args: readonly string[], options: StartOptions): Promise<number> {
  const print = options.print ?? ((text: string) => process.stdout.write(`${text}\n`));
  try {
    const resolved = resolveConfig({ app: definition.app, defaults: definition.defaults, env: options.env, cwd: options.cwd });
    return await runDoctorCommand(args, { print, running: { facts: runningFacts(definition.app, resolved), backendPorts: backendPorts(resolved) } });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    printError(options, `${definition.app}: ${error.code}: ${error.message}`);
    return EXIT_CONFIG;
  }
}

async function serve<C extends BaseConfig>(definition: ServiceDefinition<C>, prepared: Prepared<C>, options: StartOptions): Promise<StartResult> {
  const { config, resolved, warnings } = prepared;
  const scrubber = resolved.secretScrubber();
  const logger = createLogger({ name: definition.app, level: config.logging.level, scrubber, destination: options.destination });
  for (const warning of warnings) logger.warn(warning);

  const listener = definition.listener(config);
  const metrics = listener.metrics.enabled ? createMetrics(definition.app) : undefined;
  let parts: ServiceParts;
  try {
    parts = await definition.start({ config, resolved, logger, scrubber, httpsAgent: prepared.httpsAgent, metricsRegistry: metrics?.registry });
  } catch (error) {
    // A setting that is valid alone but not in this mode (e.g. free access in production).
    if (!(error instanceof ConfigError)) throw error;
    printError(options, `${definition.app}: ${error.code}: ${error.message}`);
    return { exitCode: EXIT_CONFIG };
  }
  const tls = prepared.tls
    ? new TlsServing({
        ...prepared.tls,
        initial: prepared.tls.credentials,
        reloadCheckMs: listener.tls.reload_check_sec * 1000,
        logger,
        registry: metrics?.registry,
      })
    : undefined;
  const state: ServiceState = { draining: false, warnings: parts.warnings ?? [], liveWarnings: tls && (() => tls.warnings()) };
  // What this build serves, for operators and for tests that drive every endpoint of a running app.
  if (parts.endpoints?.length) logger.info({ endpoints: parts.endpoints }, `${parts.endpoints.length} ClearML endpoints registered`);
  for (const warning of [...state.warnings, ...(tls?.warnings() ?? [])]) logger.warn(warning);

  // Loaded here, not at the top: the primary of a worker pool never serves, and Express would cost it memory.
  const { createServiceApp } = await import('./create-app');
  const app = createServiceApp({
    logger,
    scrubber,
    readiness: parts.readiness,
    state,
    metrics,
    exposeStacks: resolved.mode !== 'production',
    routes: parts.routes,
    fastRoutes: parts.fastRoutes,
    trustProxy: listener.trusted_proxies,
  });
  // In a worker pool the primary serves the metrics of all workers.
  const metricsServer =
    metrics && !cluster.isWorker
      ? await startMetricsServer(() => metrics.registry.metrics(), metrics.registry.contentType, listener.metrics.listen_ip, listener.metrics.listen_port)
      : undefined;
  if (cluster.isWorker) {
    const failing = await whenReady(parts.readiness, WORKER_READY_TIMEOUT_MS);
    if (failing.length) logger.warn(`listening although not ready after ${WORKER_READY_TIMEOUT_MS / 1000} s: ${failing.join(', ')}`);
  }
  const running = await listen({
    app,
    host: listener.listen_ip,
    port: listenPort(definition, config, resolved),
    tls,
    logger,
    state,
    shutdownTimeoutMs: listener.shutdown_timeout_sec * 1000,
    idleTimeoutMs: parts.idleTimeoutMs,
    onClose: [...(parts.close ? [parts.close] : []), ...(metricsServer ? [() => new Promise<void>((resolve) => metricsServer.close(() => resolve()))] : [])],
  });
  const url = `${tls ? 'https' : 'http'}://${listener.listen_ip}:${running.port}`;
  logger.info({ url, mode: resolved.mode, ...(tls && { fingerprint: tls.fingerprint }) }, `${definition.app} listening`);
  return { ...running, metrics: metricsServer, logger, endpoints: parts.endpoints ?? [] };
}

/**
 * The process entry point: runs the service and turns SIGTERM/SIGINT into a graceful drain. When
 * the service asks for several workers, this process becomes their primary and serves nothing itself.
 */
export async function serviceMain<C extends BaseConfig>(definition: ServiceDefinition<C>): Promise<void> {
  const options: StartOptions = { argv: process.argv.slice(2) };
  if (cluster.isPrimary && isServeCommand(options.argv ?? [])) {
    const prepared = prepare(definition, options);
    if ('exitCode' in prepared) process.exit(prepared.exitCode);
    const workers = definition.workers ? workerCount(definition.workers(prepared.config)) : 1;
    if (workers > 1) process.exit(await runPool(definition, prepared, workers));
    return handleSignals(await serve(definition, prepared, options));
  }
  handleSignals(await startService(definition, options));
}

function runPool<C extends BaseConfig>(definition: ServiceDefinition<C>, { config, resolved }: Prepared<C>, workers: number): Promise<number> {
  const listener = definition.listener(config);
  const logger = createLogger({ name: definition.app, level: config.logging.level, scrubber: resolved.secretScrubber() });
  return runWorkerPool({
    app: definition.app,
    workers,
    logger,
    shutdownTimeoutMs: listener.shutdown_timeout_sec * 1000,
    metrics: listener.metrics.enabled ? { host: listener.metrics.listen_ip, port: listener.metrics.listen_port } : undefined,
  });
}

function handleSignals(result: StartResult): void {
  // A start that failed after connecting its backends would otherwise be held open by their sockets.
  if ('exitCode' in result) process.exit(result.exitCode);
  const stop = (signal: string) => {
    void result.shutdown(signal).then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
