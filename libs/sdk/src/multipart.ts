import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { SdkError } from './sdk-error';

export interface MultipartFileOptions {
  /** The form field name; the ClearML fileserver takes it as the object path. */
  fieldName: string;
  fileName: string;
  filePath: string;
  /** Size from stat; the body's Content-Length is computed from it, so the file must not change. */
  size: number;
  boundary?: string;
}

export interface MultipartBody {
  contentType: string;
  contentLength: number;
  /** A fresh stream of the whole body: preamble, the file read from disk, epilogue. */
  open(onFileBytes?: (bytes: number) => void): Readable;
}

/** One file as multipart/form-data, streamed so memory stays flat whatever the file size. */
export function multipartFileBody(options: MultipartFileOptions): MultipartBody {
  const boundary = options.boundary ?? `----warden-${randomBytes(16).toString('hex')}`;
  const preamble = Buffer.from(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="${quote(options.fieldName)}"; filename="${quote(options.fileName)}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const epilogue = Buffer.from(`\r\n--${boundary}--\r\n`);

  async function* parts(onFileBytes?: (bytes: number) => void): AsyncGenerator<Buffer> {
    yield preamble;
    let read = 0;
    for await (const chunk of createReadStream(options.filePath) as AsyncIterable<Buffer>) {
      read += chunk.length;
      if (read > options.size) break;
      onFileBytes?.(chunk.length);
      yield chunk;
    }
    // A length mismatch would leave the server waiting for bytes or reading past the part.
    if (read !== options.size) throw new SdkError('ERR_LOCAL_FILE', `${options.filePath} changed size while uploading`);
    yield epilogue;
  }

  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: preamble.length + options.size + epilogue.length,
    open: (onFileBytes) => Readable.from(parts(onFileBytes), { objectMode: false }),
  };
}

/** Header parameter values cannot hold quotes or line breaks; remote paths are checked for them first. */
function quote(value: string): string {
  if (/["\r\n\\]/.test(value)) throw new SdkError('ERR_LOCAL_FILE', 'name holds a quote, backslash or line break');
  return value;
}
