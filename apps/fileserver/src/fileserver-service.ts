import type { Agent } from 'node:https';
import type { Request } from 'express';
import { z } from 'zod';
import { connectRedis } from '@warden/backends/redis';
import {
  HOSTS_DEFAULTS,
  LOGGING_DEFAULTS,
  hostsSchema,
  loggingSchema,
  refuseCleartextUrls,
  serviceDefaults,
  serviceSchema,
  workersSchema,
} from '@warden/config';
import { WardenError } from '@warden/errors';
import { DEFAULT_MAX_PATH_BYTES, fileserverRoutes, type FileserverCaller, type FileserverRoutes } from '@warden/fileserver';
import { secretOrEphemeral, tokenAuthenticator, type Logger, type ServiceDefinition } from '@warden/http';
import type { StorageAdapter } from '@warden/storage';
import { assertTenantMember, createServiceVerifier, verifierDefaults, verifierSettingsSchema, type VerifierSettings } from '@warden/tokens';
import type { RedisClientType } from 'redis';
import { openStorage, storagePath } from './fileserver-storage';

export const FILESERVER_PORT = 8081;

/** ClearML's company id for a server without users; every file lives under it while auth is off. */
export const DEFAULT_COMPANY = 'd1bd92a3b039400cbafc60a7a5b1e52b';

const schema = z.object({
  fileserver: serviceSchema().extend({
    // Several processes, so that one parsing a big upload does not hold up everyone else's requests.
    workers: workersSchema,
    auth: verifierSettingsSchema.extend({ enabled: z.boolean() }),
    upload: z.object({ max_upload_size_mb: z.number().min(0), max_parts: z.number().int().positive().max(10_000) }),
    // Longer would hold a stalled client's connection and temp file; a day covers any sane pause.
    idle_timeout_sec: z.number().positive().max(86_400),
    delete: z.object({ allow_batch: z.boolean(), max_batch: z.number().int().positive().max(10_000) }),
    // No default here: it comes from CLEARML_UPLOAD_FOLDER when that is set (see storagePath).
    storage: z.object({ path: z.string().min(1).optional() }).optional(),
  }),
  secure: z.object({ http: z.object({ session_secret: z.object({ apiserver: z.string().optional() }).default({}) }).default({}) }).default({}),
  hosts: hostsSchema,
  logging: loggingSchema,
});

export type FileserverConfig = z.infer<typeof schema>;

export type FileserverAuthorize = (req: Request) => Promise<FileserverCaller>;

export const AUTH_DISABLED_WARNING = 'fileserver.auth.enabled is false: anyone who can reach the fileserver can read, write and delete every file';

/** With auth off every caller is ClearML's default company, with full rights, as in ClearML. */
export const openAccess: FileserverAuthorize = async () => ({ company: DEFAULT_COMPANY, role: 'admin' });

/**
 * With auth on, every request carries a token the fileserver verifies itself against the gateway's
 * published keys and the shared revocation list: no call to another service per request. Reads by
 * cookie need no CSRF header; writes by cookie do.
 */
export function tokenAccess(settings: VerifierSettings, csrfKey: string, redis: RedisClientType, logger: Logger, httpsAgent?: Agent) {
  const tokens = createServiceVerifier(settings, redis, (error) => logger.warn({ err: error }, 'token revocation list'), httpsAgent);
  const authenticate = tokenAuthenticator({
    verifier: tokens.verifier,
    cookieNames: settings.cookie_names,
    csrfKey,
    csrfExempt: (req) => req.method === 'GET' || req.method === 'HEAD',
  });
  const authorize: FileserverAuthorize = async (req) => {
    const auth = await authenticate(req, 'token');
    if (!auth) throw new WardenError('ERR_UNAUTHORIZED');
    assertTenantMember(auth.claims.identity);
    return { company: auth.claims.identity.company, role: auth.claims.identity.role };
  };
  return { authorize, readiness: [tokens.readiness], close: tokens.close };
}

/** The fileserver's routes for a config; `authorize` is where token verification plugs in. */
export function fileserverParts(config: FileserverConfig, storage: StorageAdapter, authorize: FileserverAuthorize): FileserverRoutes {
  const { upload } = config.fileserver;
  return fileserverRoutes({
    storage,
    authorize,
    limits: {
      maxUploadBytes: upload.max_upload_size_mb * 1024 * 1024,
      maxParts: upload.max_parts,
      // The SDK sends no plain fields; a little room for other clients.
      maxFieldBytes: 64 * 1024,
      maxHeaderPairs: 100,
      maxPathBytes: DEFAULT_MAX_PATH_BYTES,
      maxBatchDelete: config.fileserver.delete.max_batch,
    },
    allowBatchDelete: config.fileserver.delete.allow_batch,
  });
}

function sessionSecret(config: FileserverConfig, logger: Logger): string {
  return secretOrEphemeral(
    config.secure.http.session_secret.apiserver,
    'secure.http.session_secret.apiserver',
    logger,
    'cookie-authenticated uploads and deletes are refused',
  );
}

export const fileserverService: ServiceDefinition<FileserverConfig> = {
  app: 'fileserver',
  schema,
  defaults: {
    fileserver: {
      ...serviceDefaults(FILESERVER_PORT),
      workers: 1,
      auth: { enabled: true, ...verifierDefaults('clearml-files') },
      // ClearML sets no upload limit; one unbounded stream could fill the disk. 16 GiB holds a
      // 7B-parameter model in 16-bit (about 13.5 GiB) as one file, and sharded checkpoints (5 GB
      // shards are the usual default) of any total size; 0 restores ClearML's "unlimited".
      upload: { max_upload_size_mb: 16 * 1024, max_parts: 100 },
      // Uploads and downloads run as long as data keeps moving (no total-request limit).
      idle_timeout_sec: 60,
      delete: { allow_batch: true, max_batch: 1000 },
    },
    hosts: HOSTS_DEFAULTS,
    logging: LOGGING_DEFAULTS,
  },
  listener: (config) => config.fileserver,
  section: 'fileserver',
  workers: (config) => config.fileserver.workers,
  start: async ({ config, resolved, logger, httpsAgent }) => {
    const { auth } = config.fileserver;
    refuseCleartextUrls(resolved, auth.enabled && !auth.public_key_file ? ['fileserver.auth.jwks_url'] : []);
    const { path, source } = storagePath(config.fileserver.storage?.path, resolved.env);
    const { storage, removed } = await openStorage(path, source);
    logger.info({ path, source, removedTempFiles: removed }, 'fileserver storage ready');
    // Redis carries token revocations to the fileserver. Imported on its own: the bundle would
    // otherwise load the MongoDB and Elasticsearch clients too, some 25 MB of memory for nothing.
    const redis = connectRedis(config.hosts, logger);
    const access = auth.enabled
      ? tokenAccess(auth, sessionSecret(config, logger), redis.client, logger, httpsAgent)
      : { authorize: openAccess, readiness: [], close: async () => undefined };
    return {
      ...fileserverParts(config, storage, access.authorize),
      idleTimeoutMs: config.fileserver.idle_timeout_sec * 1000,
      readiness: [redis.readiness, ...access.readiness],
      warnings: auth.enabled ? [] : [AUTH_DISABLED_WARNING],
      close: async () => {
        await access.close();
        await redis.close();
      },
    };
  },
};
