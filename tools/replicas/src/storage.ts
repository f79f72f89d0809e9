import { join } from 'node:path';

/** Where the fileserver replicas keep objects: one folder they share (valid on one host only), or S3. */
export interface Storage {
  kind: 'local' | 's3';
  /** The fileserver settings; `work` is the suite's private folder, removed at the end. */
  env(work: string): Record<string, string>;
  /** Removes what the suite stored outside `work`. */
  cleanUp(): Promise<void>;
}

export function localStorage(): Storage {
  return { kind: 'local', env: (work) => ({ CLEARML__FILESERVER__STORAGE__PATH: join(work, 'files') }), cleanUp: async () => undefined };
}

/** WARDEN_REPLICAS_STORAGE: `local` (default) or `s3`. */
export async function storageFromEnv(): Promise<Storage> {
  const kind = process.env.WARDEN_REPLICAS_STORAGE ?? 'local';
  if (kind === 'local') return localStorage();
  throw new Error(`WARDEN_REPLICAS_STORAGE=${kind}: expected local or s3`);
}
