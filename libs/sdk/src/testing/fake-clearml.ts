import busboy from 'busboy';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Runs before the normal handler; returns true when it has dealt with the request itself. */
export type Interceptor = (req: IncomingMessage, res: ServerResponse, fake: FakeClearml) => boolean | Promise<boolean>;

export interface FakeClearmlOptions {
  accessKey?: string;
  secretKey?: string;
  /** Serve both hosts over https with this certificate chain and key (PEM). */
  tls?: { cert: string; key: string };
}

export interface RecordedRequest {
  server: 'api' | 'files';
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

/**
 * Stand-ins for the ClearML API login endpoints and the fileserver, on 127.0.0.1:0. The fileserver
 * parses real multipart with busboy and stores atomically (temp file, then rename), like the real one.
 */
export class FakeClearml {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly tokens = new Set<string>();
  readonly requests: RecordedRequest[] = [];
  /** Consumed one per request, in order, before normal handling. */
  readonly interceptors: Interceptor[] = [];
  logins = 0;
  storageDir = '';
  apiHost = '';
  filesHost = '';
  private api?: Server;
  private files?: Server;
  private filesPort = 0;

  private readonly tls?: { cert: string; key: string };

  constructor(options: FakeClearmlOptions = {}) {
    this.tls = options.tls;
    this.accessKey = options.accessKey ?? 'AKFAKEACCESSKEY01';
    this.secretKey = options.secretKey ?? 'sk-fake-secret-value-0123456789abcdef';
  }

  async start(): Promise<this> {
    this.storageDir = await mkdtemp(join(tmpdir(), 'warden-fake-files-'));
    this.api = await listen((req, res) => this.handle('api', req, res), 0, this.tls);
    this.files = await listen((req, res) => this.handle('files', req, res), 0, this.tls);
    this.filesPort = (this.files.address() as AddressInfo).port;
    const scheme = this.tls ? 'https' : 'http';
    this.apiHost = `${scheme}://127.0.0.1:${(this.api.address() as AddressInfo).port}`;
    this.filesHost = `${scheme}://127.0.0.1:${this.filesPort}`;
    return this;
  }

  /** Another certificate for new connections to both hosts (https only). */
  setCertificate(cert: string, key: string): void {
    for (const server of [this.api, this.files]) (server as https.Server).setSecureContext({ cert, key });
  }

  /** Like a fileserver restart: every connection cut, the port closed for `downMs`, then back. */
  async restartFiles(downMs: number): Promise<void> {
    await stopServer(this.files!);
    await new Promise((done) => setTimeout(done, downMs));
    this.files = await listen((req, res) => this.handle('files', req, res), this.filesPort, this.tls);
  }

  async stop(): Promise<void> {
    await Promise.all([this.api && stopServer(this.api), this.files && stopServer(this.files)]);
    await rm(this.storageDir, { recursive: true, force: true });
  }

  storedPath(remotePath: string): string {
    return join(this.storageDir, remotePath);
  }

  private async handle(server: 'api' | 'files', req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.push({ server, method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    const interceptor = this.interceptors.shift();
    if (interceptor && (await interceptor(req, res, this))) return;
    if (server === 'api') return this.handleApi(req, res);
    if (!this.bearerOk(req)) return sendError(res, 401, 'ERR_JWT_EXPIRED', 'invalid token (expired)');
    return this.handleFiles(req, res);
  }

  private handleApi(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    if (req.url === '/auth.login') {
      const expected = `Basic ${Buffer.from(`${this.accessKey}:${this.secretKey}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return sendError(res, 401, 'ERR_INVALID_CREDENTIALS', 'unauthorized (invalid credentials)');
      this.logins++;
      const token = `tok.${randomBytes(12).toString('hex')}`;
      this.tokens.add(token);
      return sendJson(res, 200, envelope({ token }));
    }
    if (!this.bearerOk(req)) return sendError(res, 401, 'ERR_JWT_EXPIRED', 'invalid token (expired)');
    if (req.url === '/users.get_current_user') return sendJson(res, 200, envelope({ user: { id: 'u-1', name: 'Ada Lovelace', role: 'user' } }));
    sendError(res, 404, 'ERR_ENDPOINT_UNKNOWN', 'endpoint is not supported');
  }

  private async handleFiles(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/+/, '');
    if (req.method === 'POST' && path === '') return this.upload(req, res);
    if (req.method === 'POST' && path === 'delete_many') {
      const body = JSON.parse((await readAll(req)).toString('utf8')) as { files: string[] };
      await Promise.all(body.files.map((file) => rm(this.safePath(file), { force: true })));
      return sendJson(res, 200, { deleted: body.files });
    }
    req.resume();
    if (req.method === 'DELETE') {
      const exists = await stat(this.safePath(path)).catch(() => undefined);
      if (!exists) return sendError(res, 404, 'ERR_NOT_FOUND', 'not found');
      await rm(this.safePath(path));
      return sendJson(res, 200, { deleted: path });
    }
    if (req.method === 'GET') return this.serve(path, req, res);
    sendError(res, 404, 'ERR_ENDPOINT_UNKNOWN', 'endpoint is not supported');
  }

  private upload(req: IncomingMessage, res: ServerResponse): void {
    const stored: string[] = [];
    const writes: Promise<void>[] = [];
    const parser = busboy({ headers: req.headers, defParamCharset: 'utf8' });
    parser.on('file', (field, file) => {
      const target = this.safePath(field);
      const temp = join(this.storageDir, `.upload-${randomBytes(6).toString('hex')}`);
      writes.push(
        pipeline(file, createWriteStream(temp))
          .then(async () => {
            if ((file as unknown as { truncated?: boolean }).truncated) throw new Error('truncated');
            await mkdir(dirname(target), { recursive: true });
            await rename(temp, target);
            stored.push(field);
          })
          .catch(async (error) => {
            await rm(temp, { force: true });
            throw error;
          }),
      );
    });
    parser.on('close', () => {
      Promise.all(writes).then(
        () => sendJson(res, 200, stored),
        () => sendError(res, 400, 'ERR_BAD_REQUEST', 'upload failed'),
      );
    });
    // A cut connection must leave nothing behind: the temp files go, nothing is renamed.
    parser.on('error', () => req.destroy());
    req.on('aborted', () => parser.destroy(new Error('client went away')));
    req.pipe(parser);
  }

  private async serve(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const file = this.safePath(path);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return sendError(res, 404, 'ERR_NOT_FOUND', 'not found');
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (range && start >= info.size) return sendError(res, 416, 'ERR_BAD_REQUEST', 'range not satisfiable');
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/octet-stream',
      'Content-Length': info.size - start,
      'Accept-Ranges': 'bytes',
    };
    if (range) headers['Content-Range'] = `bytes ${start}-${info.size - 1}/${info.size}`;
    res.writeHead(range ? 206 : 200, headers);
    await pipeline(createReadStream(file, { start }), res).catch(() => undefined);
  }

  private bearerOk(req: IncomingMessage): boolean {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return match !== null && this.tokens.has(match[1]);
  }

  private safePath(remote: string): string {
    const full = resolve(this.storageDir, remote);
    if (!full.startsWith(this.storageDir + sep)) throw new Error(`path escapes storage: ${remote}`);
    return full;
  }
}

export function envelope(data: unknown, resultCode = 200, extra: Record<string, unknown> = {}): unknown {
  return { meta: { result_code: resultCode, result_subcode: 0, result_msg: 'OK', error_data: {}, ...extra }, data };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, envelope({}, status, { result_msg: message, error_data: { code } }), headers);
}

export async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void,
  port: number,
  tls?: { cert: string; key: string },
): Promise<Server> {
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    Promise.resolve(handler(req, res)).catch(() => res.destroy());
  };
  const server: Server = tls ? https.createServer(tls, handle) : http.createServer(handle);
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done());
  });
  return server;
}

async function stopServer(server: Server): Promise<void> {
  const closed = new Promise((done) => server.close(done));
  server.closeAllConnections();
  await closed;
}
