import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListMultipartUploadsCommand, ListObjectsV2Command, DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../s3-client';
import { S3Storage, type S3StorageOptions } from '../s3-storage';

/** What tools/services/s3.sh writes to <run dir>/state.json. */
export interface S3TestStore {
  endpoint: string;
  access_key: string;
  secret_key: string;
  bucket: string;
  region: string;
}

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/** Which backend the storage-dependent specs run on: WARDEN_TEST_STORAGE=s3, else local. */
export const TEST_STORAGE_BACKEND: 'local' | 's3' = process.env.WARDEN_TEST_STORAGE === 's3' ? 's3' : 'local';

export function s3TestStatePath(): string {
  const runDir = process.env.WARDEN_RUN_DIR ?? join(REPO_ROOT, '.warden', 'run');
  return join(process.env.WARDEN_S3_RUN_DIR ?? join(runDir, 's3'), 'state.json');
}

/** The running test store's endpoint and keys; never hard-coded, always what the script generated. */
export function s3TestStore(): S3TestStore {
  const path = s3TestStatePath();
  if (!existsSync(path)) throw new Error(`no S3 test store state at ${path}: start it with \`bash tools/services.sh up s3\``);
  return JSON.parse(readFileSync(path, 'utf8')) as S3TestStore;
}

export function s3TestClient(store = s3TestStore()): S3Client {
  return createS3Client({
    region: store.region,
    endpoint: store.endpoint,
    pathStyle: true,
    credentials: { accessKeyId: store.access_key, secretAccessKey: store.secret_key },
  });
}

/** A prefix of its own per test, so tests never see each other's objects in the shared bucket. */
export function uniqueS3Prefix(label = 'test'): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}

export function testS3Storage(options: Partial<S3StorageOptions> = {}): S3Storage {
  const store = s3TestStore();
  return new S3Storage({ client: s3TestClient(store), bucket: store.bucket, prefix: uniqueS3Prefix(), ...options });
}

/** Every key under a prefix of the test bucket. */
export async function listS3Keys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }));
  return (page.Contents ?? []).map((o) => (o.Key as string).slice(prefix.length + 1)).sort();
}

/** Multipart uploads in progress under a prefix (none should outlive an upload). */
export async function listS3Uploads(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: `${prefix}/` }));
  return (page.Uploads ?? []).map((u) => u.Key as string);
}

export async function emptyS3Prefix(client: S3Client, bucket: string, prefix: string): Promise<void> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }));
  const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key as string }));
  if (keys.length) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
}
