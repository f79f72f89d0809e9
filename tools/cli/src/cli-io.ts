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
}

/** Parsed once in run-cli, shared by every command. */
export interface CommandContext {
  io: CliIo;
  args: string[];
  ledgerPath: string;
  quiet: boolean;
}

/** Wrong arguments: exit code 2 and the usage hint. */
export class UsageError extends Error {}
