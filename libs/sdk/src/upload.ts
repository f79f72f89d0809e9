import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { unwrapFileserver } from './envelope';
import { readBody, send } from './http-send';
import { multipartFileBody } from './multipart';
import { joinRemote, normaliseRemotePath } from './remote-path';
import { SdkError } from './sdk-error';
import type { Session, TransferOptions } from './session';
import { walkFiles } from './walk-files';

const FILES = 'fileserver';

export interface UploadedFile {
  localPath: string;
  remotePath: string;
  size: number;
  /** The fileserver's answer: the stored paths. */
  stored: unknown;
}

export interface FolderUploadOptions extends TransferOptions {
  /** Called after each file is stored, so a caller can record progress that survives a later failure. */
  onFileUploaded?: (file: UploadedFile) => void;
  /** Entries that are neither files nor folders (symlinks, sockets): not uploaded. */
  onSkipped?: (relative: string) => void;
}

/**
 * Streams one file as multipart. Every retry sends it again from byte zero: the fileserver stores
 * atomically, so an interrupted attempt leaves nothing behind to resume from.
 */
export async function uploadFile(session: Session, localPath: string, remotePath: string, options: TransferOptions = {}): Promise<UploadedFile> {
  const { onProgress, signal } = options;
  const path = normaliseRemotePath(remotePath);
  const size = await regularFileSize(localPath);
  const body = multipartFileBody({ fieldName: path, fileName: posix.basename(path), filePath: localPath, size });
  const url = `${session.filesHost}/`;

  const stored = await session.authorized(signal, (authorization) =>
    session.retrying(FILES, signal, async () => {
      let done = 0;
      onProgress?.({ done, total: size });
      const headers = { Authorization: authorization, 'Content-Type': body.contentType, 'Content-Length': body.contentLength };
      const open = () =>
        body.open((bytes) => {
          done += bytes;
          onProgress?.({ done, total: size });
        });
      const response = await send({ method: 'POST', url, target: FILES, headers, body: open, signal, idleTimeoutMs: session.idleTimeoutMs, tls: session.tls });
      const answer = { status: response.status, headers: response.headers, body: await readBody(response, FILES, url) };
      return unwrapFileserver(answer, FILES, session.scrub);
    }),
  );
  return { localPath, remotePath: path, size, stored };
}

/** Uploads every regular file under `localDir` to `remotePrefix/<relative path>`, one at a time. */
export async function uploadFolder(session: Session, localDir: string, remotePrefix: string, options: FolderUploadOptions = {}): Promise<UploadedFile[]> {
  const { files, skipped } = await walkFiles(localDir).catch((error: NodeJS.ErrnoException) => {
    throw new SdkError('ERR_LOCAL_FILE', `cannot read folder ${localDir} (${error.code ?? error.message})`);
  });
  skipped.forEach((relative) => options.onSkipped?.(relative));
  if (files.length === 0) throw new SdkError('ERR_LOCAL_FILE', `no files to upload under ${localDir}`);

  const total = files.reduce((sum, file) => sum + file.size, 0);
  let done = 0;
  const uploaded: UploadedFile[] = [];
  for (const file of files) {
    const result = await uploadFile(session, file.absolute, joinRemote(remotePrefix, file.relative), {
      signal: options.signal,
      onProgress: (progress) => options.onProgress?.({ done: done + progress.done, total }),
    });
    done += file.size;
    uploaded.push(result);
    options.onFileUploaded?.(result);
  }
  return uploaded;
}

async function regularFileSize(localPath: string): Promise<number> {
  const info = await stat(localPath).catch((error: NodeJS.ErrnoException) => {
    throw new SdkError('ERR_LOCAL_FILE', `cannot read ${localPath} (${error.code ?? error.message})`);
  });
  if (!info.isFile()) throw new SdkError('ERR_LOCAL_FILE', `${localPath} is not a regular file`);
  return info.size;
}
