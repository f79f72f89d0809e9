import type { ProgressOutput, RetryPolicy } from '@warden/sdk';

export interface CliIo {
  env: Record<string, string | undefined>;
  homeDir: string;
  cwd: string;
  stdout: ProgressOutput;
  stderr: ProgressOutput;
  signal?: AbortSignal;
  /** Tests shorten the retry budget; the real CLI uses the SDK default. */
  retry?: Partial<RetryPolicy>;
  /** Asks the user a yes/no question; absent when nobody is at a terminal to answer. */
  confirm?: (question: string) => Promise<boolean>;
}

/** The trust options given on the command line; they override the environment and clearml.conf. */
export interface CliTlsOptions {
  caFile?: string;
  certName?: string;
  skipVerify?: boolean;
}

/** Parsed once in run-cli, shared by every command. */
export interface CommandContext {
  io: CliIo;
  args: string[];
  ledgerPath: string;
  quiet: boolean;
  tls: CliTlsOptions;
}

/** Wrong arguments: exit code 2 and the usage hint. */
export class UsageError extends Error {}
