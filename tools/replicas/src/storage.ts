import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { emptyS3Prefix, listS3Keys, s3TestClient, s3TestStore, uniqueS3Prefix } from '@warden/storage/testing';

/** Where the fileserver replicas keep objects: one folder they share (valid on one host only), or S3. */
export interface Storage {
  kind: 'local' | 's3';
  /** The fileserver settings; `work` is the suite's private folder, removed at the end. */
  env(work: string): Record<string, string>;
  /** Whether the store holds an object whose key ends with this path (keys carry a per-company prefix). */
  holds(path: string): Promise<boolean>;
  /** Removes what the suite stored outside `work`. */
  cleanUp(): Promise<void>;
}

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

function localStorage(): Storage {
  let folder = '';
  return {
    kind: 'local',
    env: (work) => {
      folder = join(work, 'files');
      return { CLEARML__FILESERVER__STORAGE__PATH: folder };
    },
    holds: async (path) => (await filesUnder(folder)).some((file) => file.endsWith(`/${path}`)),
    cleanUp: async () => undefined,
  };
}

/** The test S3 server of tools/services/s3.sh, under a prefix of the suite's own. */
function s3Storage(): Storage {
  const store = s3TestStore();
  const client = s3TestClient(store);
  const prefix = uniqueS3Prefix('replicas');
  return {
    kind: 's3',
    env: (work) => ({
      // The local folder still exists for the fileserver's temporary files; no object may land there.
      CLEARML__FILESERVER__STORAGE__PATH: join(work, 'files'),
      CLEARML__FILESERVER__STORAGE__BACKEND: 's3',
      CLEARML__FILESERVER__STORAGE__S3__BUCKET: store.bucket,
      CLEARML__FILESERVER__STORAGE__S3__PREFIX: prefix,
      CLEARML__FILESERVER__STORAGE__S3__REGION: store.region,
      CLEARML__FILESERVER__STORAGE__S3__ENDPOINT: store.endpoint,
      CLEARML__FILESERVER__STORAGE__S3__PATH_STYLE: 'true',
      CLEARML__FILESERVER__STORAGE__S3__ACCESS_KEY: store.access_key,
      CLEARML__FILESERVER__STORAGE__S3__SECRET_KEY: store.secret_key,
    }),
    holds: async (path) => (await listS3Keys(client, store.bucket, prefix)).some((key) => key.endsWith(`/${path}`)),
    cleanUp: async () => {
      // emptyS3Prefix takes one listing page (1000 keys) at a time.
      while ((await listS3Keys(client, store.bucket, prefix)).length > 0) await emptyS3Prefix(client, store.bucket, prefix);
      client.destroy();
    },
  };
}

/** WARDEN_REPLICAS_STORAGE: `local` (default) or `s3`. */
export function storageFromEnv(): Storage {
  const kind = process.env.WARDEN_REPLICAS_STORAGE ?? 'local';
  if (kind === 'local') return localStorage();
  if (kind === 's3') return s3Storage();
  throw new Error(`WARDEN_REPLICAS_STORAGE=${kind}: expected local or s3`);
}
