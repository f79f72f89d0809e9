import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listS3Keys, s3TestClient, s3TestStore, uniqueS3Prefix, type S3TestStore } from '@warden/storage/testing';

/** The fileserver's integration specs run once per backend. */
export const STORAGE_BACKENDS = ['local', 's3'] as const;
export type StorageBackend = (typeof STORAGE_BACKENDS)[number];

export interface TestStorage {
  /** The fileserver's storage settings, as environment variables. */
  env: Record<string, string>;
  /** The company folders holding at least one object. */
  companies(): Promise<string[]>;
}

/** A fresh folder, or a fresh prefix of the S3 test store (`bash tools/services.sh up s3`). */
export function testStorage(backend: StorageBackend): TestStorage {
  if (backend === 'local') {
    const root = mkdtempSync(join(tmpdir(), 'warden-fileserver-'));
    return { env: { CLEARML__FILESERVER__STORAGE__PATH: root }, companies: async () => readdirSync(root).filter((n) => !n.startsWith('.')) };
  }
  const store = s3TestStore();
  const prefix = uniqueS3Prefix('fileserver');
  return {
    env: s3StorageEnv(store, prefix),
    companies: async () => {
      const client = s3TestClient(store);
      try {
        return [...new Set((await listS3Keys(client, store.bucket, prefix)).map((key) => key.split('/')[0]))];
      } finally {
        client.destroy();
      }
    },
  };
}

/** The fileserver's settings for one prefix of an S3 test store. */
export function s3StorageEnv(store: S3TestStore, prefix: string): Record<string, string> {
  return {
    CLEARML__FILESERVER__STORAGE__BACKEND: 's3',
    CLEARML__FILESERVER__STORAGE__S3__BUCKET: store.bucket,
    CLEARML__FILESERVER__STORAGE__S3__PREFIX: prefix,
    CLEARML__FILESERVER__STORAGE__S3__ENDPOINT: store.endpoint,
    CLEARML__FILESERVER__STORAGE__S3__PATH_STYLE: 'true',
    CLEARML__FILESERVER__STORAGE__S3__ACCESS_KEY: store.access_key,
    CLEARML__FILESERVER__STORAGE__S3__SECRET_KEY: store.secret_key,
  };
}
