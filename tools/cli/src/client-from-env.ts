import { WardenClient, resolveClientConfig, type ClientConfig } from '@warden/sdk';
import type { CliIo } from './cli-io';

/** `beforeNotice` runs before a retry notice is printed: a command drawing a progress bar ends its line there. */
export function clientFromEnv(io: CliIo, quiet: boolean, beforeNotice?: () => void): { client: WardenClient; config: ClientConfig } {
  const config = resolveClientConfig({ env: io.env, homeDir: io.homeDir });
  const client = new WardenClient({
    config,
    retry: io.retry,
    onRetry: quiet
      ? undefined
      : ({ error, waitMs, retry }) => {
          beforeNotice?.();
          io.stderr.write(`${error.message}; retry ${retry} in ${Math.round(waitMs / 100) / 10} s\n`);
        },
  });
  return { client, config };
}
