import type { Agent } from 'node:https';
import type { Request } from 'express';
import { connectRedis } from '@warden/backends/redis';
import { refuseCleartextUrls } from '@warden/config';
import { WardenError } from '@warden/errors';
import { DEFAULT_MAX_PATH_BYTES, fileserverRoutes, type FileserverCaller, type FileserverRoutes } from '@warden/fileserver';
import { secretOrEphemeral, tokenAuthenticator, type Logger, type ServiceContext, type ServiceParts } from '@warden/http';
import type { StorageAdapter } from '@warden/storage';
import { assertTenantMember, createServiceVerifier, type VerifierSettings } from '@warden/tokens';
import type { RedisClientType } from 'redis';
import { AUTH_DISABLED_WARNING, DEFAULT_COMPANY, type FileserverConfig } from './fileserver-service';
import { storageOpener } from './fileserver-storage';

export type FileserverAuthorize = (req: Request) => Promise<FileserverCaller>;

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

/** The serving half of the fileserver: storage, token checks and routes. */
export async function startFileserver({ config, resolved, logger, httpsAgent }: ServiceContext<FileserverConfig>): Promise<ServiceParts> {
  const { auth } = config.fileserver;
  refuseCleartextUrls(resolved, auth.enabled && !auth.public_key_file ? ['fileserver.auth.jwks_url'] : []);
  // Before Redis: a setting that cannot work must not leave a connection half made behind it.
  const openStorage = storageOpener(config.fileserver.storage, resolved.env);
  // Redis carries token revocations (and, with S3, the leases of uploads in flight) to the
  // fileserver. Imported on its own: the bundle would otherwise load the MongoDB and Elasticsearch
  // clients too, some 25 MB of memory for nothing.
  const redis = connectRedis(config.hosts, logger);
  const storage = await openStorage(redis.client, logger).catch(async (error: unknown) => {
    await redis.close();
    throw error;
  });
  const access = auth.enabled
    ? tokenAccess(auth, sessionSecret(config, logger), redis.client, logger, httpsAgent)
    : { authorize: openAccess, readiness: [], close: async () => undefined };
  return {
    ...fileserverParts(config, storage.storage, access.authorize),
    idleTimeoutMs: config.fileserver.idle_timeout_sec * 1000,
    readiness: [redis.readiness, ...storage.readiness, ...access.readiness],
    warnings: auth.enabled ? [] : [AUTH_DISABLED_WARNING],
    close: async () => {
      await storage.close();
      await access.close();
      await redis.close();
    },
  };
}
