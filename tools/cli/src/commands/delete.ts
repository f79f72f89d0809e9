import { UploadLedger } from '@warden/sdk';
import { UsageError, type CommandContext } from '../cli-io';
import { clientFromEnv } from '../client-from-env';

export async function deleteCommand({ io, args, ledgerPath, quiet, tls }: CommandContext): Promise<void> {
  if (args.length === 0) throw new UsageError('delete needs at least one remote path');
  const { client, config } = clientFromEnv(io, quiet, tls);
  if (args.length === 1) await client.delete(args[0], io.signal);
  else await client.deleteMany(args, io.signal);
  await new UploadLedger(ledgerPath).remove(
    config.filesHost,
    args.map((path) => path.replace(/^\/+/, '')),
  );
  io.stdout.write(`deleted ${args.join(' ')}\n`);
}
