import { posix, resolve } from 'node:path';
import { createProgressWriter, formatBytes } from '@warden/sdk';
import { UsageError, type CommandContext } from '../cli-io';
import { clientFromEnv } from '../client-from-env';

export async function downloadCommand({ io, args, quiet, tls }: CommandContext): Promise<void> {
  if (args.length < 1 || args.length > 2) throw new UsageError('download needs <remote> and at most one local path');
  const [remote, local] = args;
  const localPath = resolve(io.cwd, local ?? posix.basename(remote));
  const progress = createProgressWriter({ label: posix.basename(remote), output: quiet ? { write: () => true } : io.stderr });
  const { client } = clientFromEnv(io, quiet, tls, () => progress.finish());
  const result = await client.download(remote, localPath, { signal: io.signal, onProgress: (p) => progress.update(p) }).finally(() => progress.finish());
  const resumed = result.resumed > 0 ? `, resumed ${result.resumed} time(s)` : '';
  io.stdout.write(`downloaded ${remote} to ${localPath} (${formatBytes(result.size)}${resumed})\n`);
}
