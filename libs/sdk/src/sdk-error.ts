import type { ErrorCode } from '@warden/errors';

/** Failures the client detects itself, before or without a server answer. */
export type ClientErrorCode =
  | 'ERR_CONFIG_MISSING'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_NETWORK'
  | 'ERR_ABORTED'
  | 'ERR_BAD_RESPONSE'
  | 'ERR_HTTP'
  | 'ERR_LOCAL_FILE'
  // TLS: a certificate that fails verification, one never confirmed (trust on first use), one other than the confirmed one.
  | 'ERR_TLS_VERIFY'
  | 'ERR_UNTRUSTED_CERTIFICATE'
  | 'ERR_CERTIFICATE_CHANGED';

/** What a server presented, for the user to confirm (trust on first use). */
export interface PresentedCertificate {
  origin: string;
  sha256: string;
  subject: string;
  /** PEM of the root its chain ends at; absent when the server does not send a chain up to a root. */
  anchor?: string;
}

/** Server codes come from error_data.code; an unknown server may send codes outside the table. */
export type SdkErrorCode = ErrorCode | ClientErrorCode | (string & {});

export interface SdkErrorDetails {
  status?: number;
  /** The server's own words (result_msg), already scrubbed. */
  serverMessage?: string;
  retryable?: boolean;
  /** Seconds the server asked us to wait (429 Retry-After). */
  retryAfterSeconds?: number;
  attempts?: number;
  elapsedMs?: number;
  certificate?: PresentedCertificate;
}

/** Every failure the SDK throws; messages never hold a secret key or token (callers scrub first). */
export class SdkError extends Error {
  readonly code: SdkErrorCode;
  /** HTTP status when a server answered, 0 otherwise. */
  readonly status: number;
  readonly serverMessage?: string;
  readonly retryable: boolean;
  readonly retryAfterSeconds?: number;
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly certificate?: PresentedCertificate;

  constructor(code: SdkErrorCode, message: string, details: SdkErrorDetails = {}) {
    super(message);
    this.name = 'SdkError';
    this.code = code;
    this.status = details.status ?? 0;
    this.serverMessage = details.serverMessage;
    this.retryable = details.retryable ?? false;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.attempts = details.attempts ?? 1;
    this.elapsedMs = details.elapsedMs ?? 0;
    this.certificate = details.certificate;
  }

  /** The same failure, re-described (after the retry loop gave up on it, or for the caller's context). */
  withMessage(message: string, attempts = this.attempts, elapsedMs = this.elapsedMs): SdkError {
    return new SdkError(this.code, message, {
      status: this.status,
      serverMessage: this.serverMessage,
      retryable: this.retryable,
      retryAfterSeconds: this.retryAfterSeconds,
      attempts,
      elapsedMs,
      certificate: this.certificate,
    });
  }
}

export function isSdkError(error: unknown): error is SdkError {
  return error instanceof SdkError;
}
