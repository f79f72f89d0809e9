import busboy from 'busboy';
import type { Request, RequestHandler, Response } from 'express';
import { WardenError } from '@warden/errors';
import type { StagedObject } from '@warden/storage';
import { callerOf } from './caller';
import type { FileserverCaller, FileserverOptions } from './fileserver-options';
import { tenantKey, validateObjectPath } from './object-path';

const LEADING_SLASHES = /^\/+/;

/**
 * `POST /`: each file part's field name is the object path, as the ClearML SDK sends it (it puts
 * the same path in the filename). Answers the list of stored paths, as ClearML does.
 *
 * Unlike ClearML, which saves each part as it arrives, a request is all or nothing: every part is
 * staged to a temp file and only committed once the whole body has arrived within the limits. A
 * refused or interrupted request leaves nothing behind and every previous version intact. (A
 * commit that fails halfway, e.g. on a path conflict, keeps the parts committed before it.)
 */
export function uploadHandler(o: FileserverOptions): RequestHandler {
  return async (req, res, next) => {
    try {
      const encoding = req.get('Content-Encoding');
      if (encoding && encoding !== 'identity') throw new WardenError('ERR_UNSUPPORTED_ENCODING', `content encoding is not supported (${encoding})`);
      const declared = Number(req.get('Content-Length'));
      if (o.limits.maxUploadBytes > 0 && declared > o.limits.maxUploadBytes) throw tooLarge(o.limits.maxUploadBytes);
      answerJson(res, await receive(req, callerOf(res), o, declared));
    } catch (error) {
      // The rest of a refused body is not read; the connection is not reused for that reason.
      if (!req.complete) res.set('Connection', 'close');
      next(error);
    }
  };
}

async function receive(req: Request, caller: FileserverCaller, o: FileserverOptions, declared: number): Promise<string[]> {
  const session = new UploadSession(req, caller, o, Number.isFinite(declared) ? declared : undefined);
  await session.finished;
  const settled = await Promise.allSettled(session.staging);
  const staged = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (session.failure) {
    await Promise.all(staged.map((s) => s.discard()));
    throw session.failure;
  }
  const stored: string[] = [];
  for (const [i, object] of staged.entries()) {
    try {
      await object.commit();
    } catch (error) {
      await Promise.all(staged.slice(i).map((s) => s.discard()));
      throw error;
    }
    if (!stored.includes(session.paths[i])) stored.push(session.paths[i]);
  }
  return stored;
}

const UPLOAD_BUFFER_BYTES = 1024 * 1024;

/** Feeds one request body through busboy into staged objects, stopping everything on the first problem. */
class UploadSession {
  readonly staging: Promise<StagedObject>[] = [];
  readonly paths: string[] = [];
  failure?: Error;
  readonly finished: Promise<void>;

  private readonly controller = new AbortController();
  private received = 0;
  private finish!: () => void;
  private parser?: busboy.Busboy;

  constructor(
    private readonly req: Request,
    private readonly caller: FileserverCaller,
    private readonly o: FileserverOptions,
    /** The request's Content-Length: no part is longer. */
    private readonly declared: number | undefined,
  ) {
    this.finished = new Promise((resolve) => (this.finish = resolve));
    try {
      this.parser = busboy({
        headers: req.headers,
        // The SDK sends non-ASCII paths as raw UTF-8 in the part headers.
        defParamCharset: 'utf8',
        preservePath: true,
        // Room for one disk write's worth of data while the previous write is in flight; the
        // default 16 KiB stalls the socket after every chunk (bounded memory either way).
        highWaterMark: UPLOAD_BUFFER_BYTES,
        fileHwm: UPLOAD_BUFFER_BYTES,
        limits: {
          files: o.limits.maxParts,
          fields: o.limits.maxParts,
          // busboy reports `parts` on reaching the limit, not on passing it.
          parts: o.limits.maxParts + 1,
          fieldSize: o.limits.maxFieldBytes,
          headerPairs: o.limits.maxHeaderPairs,
        },
      });
    } catch {
      this.stop(new WardenError('ERR_BAD_REQUEST', 'expected a multipart/form-data body'));
      return;
    }
    this.listen(this.parser);
  }

  private listen(parser: busboy.Busboy): void {
    const tooMany = () => this.stop(new WardenError('ERR_TOO_MANY_PARTS', `multipart body has more than ${this.o.limits.maxParts} parts`));
    parser.on('file', (name, stream) => this.onFile(name, stream));
    parser.on('field', (_name, _value, info) => {
      if (info.valueTruncated) this.stop(new WardenError('ERR_MULTIPART_LIMIT', `a form field is larger than ${this.o.limits.maxFieldBytes} bytes`));
    });
    parser.on('filesLimit', tooMany);
    parser.on('fieldsLimit', tooMany);
    parser.on('partsLimit', tooMany);
    parser.on('error', (error: Error) => this.stop(parserError(error)));
    parser.on('drain', () => this.req.resume());
    parser.on('finish', () => this.stop());

    this.req.on('data', (chunk: Buffer) => {
      if (this.failure) return;
      this.received += chunk.length;
      if (this.o.limits.maxUploadBytes > 0 && this.received > this.o.limits.maxUploadBytes) return this.stop(tooLarge(this.o.limits.maxUploadBytes));
      if (!parser.write(chunk)) this.req.pause();
    });
    this.req.on('end', () => {
      if (!this.failure) parser.end();
    });
    // The server bounds a request by idleness, not duration (service kit `idleTimeoutMs`): a stalled
    // upload is answered and dropped with nothing stored; a second timeout while the answer cannot
    // be flushed ends the connection.
    this.req.on('timeout', () => {
      if (this.failure) return void this.req.socket.destroy();
      this.stop(new WardenError('ERR_UPLOAD_IDLE_TIMEOUT'));
    });
    this.req.on('close', () => {
      if (!this.req.complete) this.stop(new WardenError('ERR_UPLOAD_INCOMPLETE', 'the client closed the connection during the upload'));
    });
  }

  private onFile(name: string, stream: NodeJS.ReadableStream): void {
    // busboy fails the part's stream when the session stops; the session already holds the reason.
    stream.on('error', () => undefined);
    // As ClearML, a part without a name is skipped.
    if (this.failure || !name) {
      stream.resume();
      return;
    }
    let path: string;
    try {
      // The ClearML SDK names each part with a leading slash; like ClearML's fileserver, the name is
      // taken relative to the tenant's folder with its leading slashes dropped.
      path = validateObjectPath(name.replace(LEADING_SLASHES, ''), this.o.limits.maxPathBytes);
    } catch (error) {
      stream.resume();
      this.stop(error);
      return;
    }
    const staging = this.o.storage.stage(tenantKey(this.caller, path), stream, { signal: this.controller.signal, expectedBytes: this.declared });
    staging.catch((error: unknown) => this.stop(error));
    this.staging.push(staging);
    this.paths.push(path);
  }

  /** Without an error: the body is complete. With one: abort every staged write and drop the rest of the body. */
  private stop(error?: unknown): void {
    if (error !== undefined && this.failure === undefined) {
      // Every caller passes an Error; the wrap keeps `throw` honest should a stream reject with less.
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.controller.abort();
      this.parser?.destroy();
      this.req.resume();
    }
    this.finish();
  }
}

/**
 * The list of stored paths as res.json writes it, without the ETag Express would hash the body for:
 * an upload's answer is never asked for again conditionally.
 */
function answerJson(res: Response, value: unknown): void {
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(value));
}

function tooLarge(limit: number): WardenError {
  return new WardenError('ERR_PAYLOAD_TOO_LARGE', `upload is larger than the fileserver's limit of ${limit} bytes`);
}

function parserError(error: Error): WardenError {
  if (error.message === 'Unexpected end of form') return new WardenError('ERR_UPLOAD_INCOMPLETE');
  if (error.message === 'Malformed part header') return new WardenError('ERR_MULTIPART_LIMIT', 'a part header is malformed or larger than 16 KiB');
  return new WardenError('ERR_BAD_REQUEST', `malformed multipart body (${error.message})`);
}
