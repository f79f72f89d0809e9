import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { UploadLedger, SdkError, createProgressWriter, formatBytes, type UploadedFile } from '@warden/sdk';
import { UsageError, type CommandContext } from '../cli-io';
import { clientFromEnv } from '../client-from-env';

/** `upload <file> [prefix]` stores `<prefix>/<name>`; `upload <dir> [prefix]` stores `<prefix or dir name>/<relative path>`. */
export async function uploadCommand({ io, args, ledgerPath, quiet, tls }: CommandContext): Promise<void> {
  if (args.length < 1 || args.length > 2) throw new UsageError('upload needs <file|dir> and at most one remote prefix');
  const [local, prefix] = args;
  const localPath = resolve(io.cwd, local);
  const info = await stat(localPath).catch(() => {
    throw new SdkError('ERR_LOCAL_FILE', `no such file or folder: ${local}`);
  });
  const progress = createProgressWriter({ label: basename(localPath), output: quiet ? { write: () => true } : io.stderr });
  const { client, config } = clientFromEnv(io, quiet, tls, () => progress.finish());
  const ledger = new UploadLedger(ledgerPath);
  const record = async (file: UploadedFile) => {
    await ledger.record([{ filesHost: config.filesHost, remotePath: file.remotePath, size: file.size, uploadedAt: new Date().toISOString() }]);
    io.stdout.write(`uploaded ${file.remotePath} (${formatBytes(file.size)})\n`);
  };

  try {
    if (info.isDirectory()) {
      // Ledger writes are chained so a failure in one surfaces instead of racing the next upload.
      let pending = Promise.resolve();
      await client.uploadFolder(localPath, prefix ?? basename(localPath), {
        signal: io.signal,
        onProgress: (p) => progress.update(p),
        onFileUploaded: (file) => {
          pending = pending.then(() => record(file));
        },
        onSkipped: (relative) => io.stderr.write(`skipped ${relative} (not a regular file)\n`),
      });
      await pending;
      return;
    }
    const remote = prefix ? `${prefix}/${basename(localPath)}` : basename(localPath);
    await record(await client.uploadFile(localPath, remote, { signal: io.signal, onProgress: (p) => progress.update(p) }));
  } finally {
    progress.finish();
  }
}
