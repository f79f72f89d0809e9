import type { RetryEvent } from './retry';
import type { TlsPolicy } from './tls-policy';

/** What the file operations need from the client: auth with re-login, retries, scrubbing. */
export interface Session {
  readonly filesHost: string;
  readonly idleTimeoutMs: number;
  readonly tls?: TlsPolicy;
  /** Runs `perform` with a Bearer header; on a 401 logs in again once and runs it again. */
  authorized<T>(signal: AbortSignal | undefined, perform: (authorization: string) => Promise<T>): Promise<T>;
  retrying<T>(target: string, signal: AbortSignal | undefined, operation: (attempt: number) => Promise<T>): Promise<T>;
  scrub(text: string): string;
}

export interface Progress {
  done: number;
  total: number;
}

export interface TransferOptions {
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

export type ClientRetryEvent = RetryEvent & { target: string };
