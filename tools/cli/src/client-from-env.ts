import { TrustStore, WardenClient, defaultTrustStorePath, resolveClientConfig, type ClientConfig } from '@warden/sdk';
import type { CliIo, CliTlsOptions } from './cli-io';

/** `beforeNotice` runs before a retry notice is printed: a command drawing a progress bar ends its line there. */
export function clientFromEnv(io: CliIo, quiet: boolean, tls: CliTlsOptions, beforeNotice?: () => void): { client: WardenClient; config: ClientConfig } {
  const config = resolveClientConfig({ env: io.env, homeDir: io.homeDir });
  const skipVerify = tls.skipVerify || config.tls.skipVerify;
  if (skipVerify && !quiet) io.stderr.write('warning: TLS certificates are not verified (skip-verify): anyone on the network path can pose as the server\n');
  const client = new WardenClient({
    config,
    tls: {
      caFile: tls.caFile ?? config.tls.caFile,
      certName: tls.certName ?? config.tls.certName,
      skipVerify,
      trustStore: new TrustStore(defaultTrustStorePath(io.homeDir)),
    },
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
