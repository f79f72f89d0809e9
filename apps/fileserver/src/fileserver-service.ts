import { z } from 'zod';
import { HOSTS_DEFAULTS, LOGGING_DEFAULTS, hostsSchema, loggingSchema, serviceDefaults, serviceSchema, workersSchema } from '@warden/config';
import type { ServiceDefinition } from '@warden/http';
import { verifierDefaults, verifierSettingsSchema } from '@warden/tokens';

export const FILESERVER_PORT = 8081;

/** ClearML's company id for a server without users; every file lives under it while auth is off. */
export const DEFAULT_COMPANY = 'd1bd92a3b039400cbafc60a7a5b1e52b';

/** The S3 backend; checked as a whole at start-up (see s3Settings), when the backend is s3. */
const s3Schema = z.object({
  bucket: z.string().min(1).optional(),
  prefix: z.string(),
  region: z.string().min(1),
  endpoint: z.string().url().optional(),
  path_style: z.boolean(),
  // PEM roots an https endpoint's certificate must chain to, instead of the well-known ones (a store
  // with a private CA); read and checked at start-up.
  ca_file: z.string().min(1).optional(),
  // Both or neither: neither = the AWS SDK's default provider chain (env, profile, instance role).
  access_key: z.string().min(1).optional(),
  secret_key: z.string().min(1).optional(),
  // How long an upload's lease outlives a killed fileserver; its orphaned upload is aborted after that.
  upload_lease_sec: z.number().int().min(1).max(3600),
});

const schema = z.object({
  fileserver: serviceSchema().extend({
    // Several processes, so that one parsing a big upload does not hold up everyone else's requests.
    workers: workersSchema,
    auth: verifierSettingsSchema.extend({ enabled: z.boolean() }),
    upload: z.object({ max_upload_size_mb: z.number().min(0), max_parts: z.number().int().positive().max(10_000) }),
    // Longer would hold a stalled client's connection and temp file; a day covers any sane pause.
    idle_timeout_sec: z.number().positive().max(86_400),
    delete: z.object({ allow_batch: z.boolean(), max_batch: z.number().int().positive().max(10_000) }),
    storage: z.object({
      backend: z.enum(['local', 's3']),
      // No default here: it comes from CLEARML_UPLOAD_FOLDER when that is set (see storagePath).
      path: z.string().min(1).optional(),
      s3: s3Schema,
    }),
  }),
  secure: z.object({ http: z.object({ session_secret: z.object({ apiserver: z.string().optional() }).default({}) }).default({}) }).default({}),
  hosts: hostsSchema,
  logging: loggingSchema,
});

export type FileserverConfig = z.infer<typeof schema>;

export const AUTH_DISABLED_WARNING = 'fileserver.auth.enabled is false: anyone who can reach the fileserver can read, write and delete every file';

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
      storage: { backend: 'local', s3: { prefix: '', region: 'us-east-1', path_style: false, upload_lease_sec: 30 } },
    },
    hosts: HOSTS_DEFAULTS,
    logging: LOGGING_DEFAULTS,
  },
  listener: (config) => config.fileserver,
  section: 'fileserver',
  workers: (config) => config.fileserver.workers,
  // Loaded only where it serves: the primary of a worker pool only supervises, and the request
  // path's modules (Express, the Redis client, the token verifier) would cost it some 40 MB.
  start: async (context) => (await import('./fileserver-start')).startFileserver(context),
};
