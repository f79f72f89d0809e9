import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { unwrapFileserver } from './envelope';
import { networkError, readBody, send } from './http-send';
import { normaliseRemotePath, remoteUrl } from './remote-path';
import { SdkError } from './sdk-error';
import type { Session, TransferOptions } from './session';

const FILES = 'fileserver';

export interface DownloadResult {
  localPath: string;
  size: number;
  /** Attempts that continued from a partial file with a Range request. */
  resumed: number;
}

/**
 * Downloads into `<local>.warden-part` and renames it into place only when complete, so the target
 * never holds half a file. After a network failure the next attempt asks only for the missing bytes.
 */
export async function downloadFile(session: Session, remotePath: string, localPath: string, options: TransferOptions = {}): Promise<DownloadResult> {
  const { onProgress, signal } = options;
  const url = remoteUrl(session.filesHost, normaliseRemotePath(remotePath));
  const part = `${localPath}.warden-part`;
  await mkdir(dirname(localPath), { recursive: true });
  // A part file from an earlier run may belong to another version of the object: start clean.
  await rm(part, { force: true });
  let resumed = 0;

  try {
    const size = await session.authorized(signal, (authorization) =>
      session.retrying(FILES, signal, async () => {
        const have = await sizeOnDisk(part);
        const headers: Record<string, string> = { Authorization: authorization };
        if (have > 0) headers.Range = `bytes=${have}-`;
        const response = await send({ method: 'GET', url, target: FILES, headers, signal, idleTimeoutMs: session.idleTimeoutMs, tls: session.tls });
        if (response.status !== 200 && response.status !== 206) {
          const answer = { status: response.status, headers: response.headers, body: await readBody(response, FILES, url) };
          unwrapFileserver(answer, FILES, session.scrub);
          throw new SdkError('ERR_BAD_RESPONSE', `${FILES} answered ${response.status} to a download`, { status: response.status });
        }

        const start = response.status === 206 ? checkedRangeStart(response.headers['content-range'], have) : 0;
        if (start > 0) resumed++;
        const total = response.status === 206 ? rangeTotal(response.headers['content-range']) : lengthOf(response.headers['content-length']);
        let done = start;
        onProgress?.({ done, total: total ?? 0 });
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            done += chunk.length;
            onProgress?.({ done, total: total ?? done });
            callback(null, chunk);
          },
        });
        // 'w' truncates: a 200 answer to a Range request means the server sent the whole file again.
        const out = createWriteStream(part, { flags: start > 0 ? 'a' : 'w', mode: 0o600 });
        try {
          await pipeline(response.body, counter, out);
        } catch (error) {
          await closed(out);
          if (isFileSystemError(error)) throw new SdkError('ERR_LOCAL_FILE', `cannot write ${part} (${error.code})`);
          throw networkError(error, FILES, new URL(url));
        }
        await closed(out);
        if (total !== undefined && done !== total)
          throw new SdkError('ERR_NETWORK', `${FILES} download ended early (${done} of ${total} bytes)`, { retryable: true });
        return done;
      }),
    );
    await rename(part, localPath);
    return { localPath, size, resumed };
  } catch (error) {
    await rm(part, { force: true });
    throw error;
  }
}

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

function checkedRangeStart(header: string | undefined, expected: number): number {
  const match = header ? CONTENT_RANGE.exec(header.trim()) : null;
  if (!match || Number(match[1]) !== expected) throw new SdkError('ERR_BAD_RESPONSE', `${FILES} answered a range that does not continue the partial download`);
  return expected;
}

function rangeTotal(header: string | undefined): number | undefined {
  const match = header ? CONTENT_RANGE.exec(header.trim()) : null;
  return match && match[3] !== '*' ? Number(match[3]) : undefined;
}

function lengthOf(header: string | undefined): number | undefined {
  return header && /^\d+$/.test(header) ? Number(header) : undefined;
}

async function sizeOnDisk(path: string): Promise<number> {
  return stat(path).then(
    (info) => info.size,
    () => 0,
  );
}

/** The next attempt measures the part file, so every write must have landed first. */
async function closed(stream: WriteStream): Promise<void> {
  // Not events.once: it rejects on the 'error' a failed pipeline has already reported.
  if (!stream.closed) await new Promise<void>((done) => stream.once('close', () => done()));
}

/** pipeline destroys every stream with the same error, so the syscall tells a disk failure from a lost connection. */
function isFileSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  const { syscall, code } = error as NodeJS.ErrnoException;
  return typeof code === 'string' && ['open', 'write', 'close', 'fsync'].includes(syscall ?? '');
}
