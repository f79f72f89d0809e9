import type { Request } from 'express';
import type { StorageAdapter } from '@warden/storage';

/** Who is calling: the tenant whose files they see, and what they may do. */
export interface FileserverCaller {
  company: string;
  role: 'user' | 'admin' | 'system';
}

export interface FileserverLimits {
  /** The whole upload request, all parts together, as ClearML's max_upload_size_mb; 0 = unlimited. */
  maxUploadBytes: number;
  maxParts: number;
  /** Non-file form fields; ClearML ignores them, Warden bounds them. */
  maxFieldBytes: number;
  /** Passed to busboy; busboy 1.6 also caps each part's headers at 16 KiB and 2000 pairs itself. */
  maxHeaderPairs: number;
  maxPathBytes: number;
  /** Entries in one `delete_many` body: each is a disk operation done while the caller waits. */
  maxBatchDelete: number;
}

export interface FileserverOptions {
  storage: StorageAdapter;
  /** Throws a WardenError to refuse the request. */
  authorize: (req: Request) => Promise<FileserverCaller>;
  limits: FileserverLimits;
  allowBatchDelete: boolean;
}
