import { UploadLedger, formatBytes } from '@warden/sdk';
import { UsageError, type CommandContext } from '../cli-io';

/** Reads only the local ledger, so it works without credentials or a reachable server. */
export async function listCommand({ io, args, ledgerPath }: CommandContext): Promise<void> {
  if (args.length > 0) throw new UsageError('list takes no arguments');
  const entries = await new UploadLedger(ledgerPath).list();
  if (entries.length === 0) {
    io.stdout.write(`no uploads recorded in ${ledgerPath}\n`);
    return;
  }
  for (const entry of entries) {
    io.stdout.write(`${entry.uploadedAt}  ${formatBytes(entry.size).padStart(8)}  ${entry.filesHost}/${entry.remotePath}\n`);
  }
}
