import { mkdtempSync, readdirSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Request } from 'express';
import { WardenError } from '@warden/errors';
import { createLogger, createServiceApp } from '@warden/http';
import { CapturedLogs } from '@warden/http/testing';
import { SecretScrubber } from '@warden/secrets';
import { LocalStorage } from '@warden/storage';
import type { FileserverCaller, FileserverLimits, FileserverOptions } from '../fileserver-options';
import { fileserverRoutes, type FileserverRoutes } from '../fileserver-routes';

export const COMPANY_A = 'company-a';
export const COMPANY_B = 'company-b';

export const TEST_LIMITS: FileserverLimits = {
  maxUploadBytes: 0,
  maxParts: 10,
  maxFieldBytes: 1024,
  maxHeaderPairs: 100,
  maxPathBytes: 1024,
  maxBatchDelete: 1000,
};

/** Tests name the caller in headers; no header, no access. */
async function headerAuthorize(req: Request): Promise<FileserverCaller> {
  const company = req.get('X-Test-Company');
  if (!company) throw new WardenError('ERR_UNAUTHORIZED');
  return { company, role: (req.get('X-Test-Role') as FileserverCaller['role'] | undefined) ?? 'user' };
}

export interface TestFileserver {
  root: string;
  storage: LocalStorage;
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * The fileserver routes inside the real service kit, on a free port, over a fresh temp folder;
 * with the hot paths served outside the router as in production, unless `routerOnly`.
 */
export async function startTestFileserver(
  options: Partial<Omit<FileserverOptions, 'storage'>> & { routerOnly?: boolean; root?: string; logs?: CapturedLogs } = {},
): Promise<TestFileserver> {
  const { routerOnly, root: sharedRoot, logs, ...fileserverOptions } = options;
  const root = sharedRoot ?? mkdtempSync(join(tmpdir(), 'warden-fileserver-'));
  const storage = new LocalStorage(root);
  await storage.cleanupTemp();
  const scrubber = new SecretScrubber();
  const app = createServiceApp({
    logger: createLogger({ name: 'fileserver-test', level: logs ? 'info' : 'silent', scrubber, destination: logs ?? new CapturedLogs() }),
    scrubber,
    readiness: [],
    state: { draining: false, warnings: [] },
    exposeStacks: false,
    ...withoutFastRoutes(
      fileserverRoutes({ storage, authorize: headerAuthorize, limits: TEST_LIMITS, allowBatchDelete: true, ...fileserverOptions }),
      routerOnly,
    ),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    root,
    storage,
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function withoutFastRoutes(routes: FileserverRoutes, routerOnly = false): Partial<FileserverRoutes> & Pick<FileserverRoutes, 'routes'> {
  return routerOnly ? { routes: routes.routes } : routes;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json(): unknown;
}

/** A request whose path is sent byte for byte: no client normalises `..` or re-encodes it. */
export function rawRequest(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/`, { method, path, headers: { ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const buffer = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buffer, json: () => JSON.parse(buffer.toString('utf8')) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const as = (company: string, role: FileserverCaller['role'] = 'user') => ({ 'X-Test-Company': company, 'X-Test-Role': role });

/** A multipart body, built by hand so field names reach the server exactly as written. */
export function multipart(parts: Array<{ name: string; content: string | Buffer; filename?: string | null; headers?: string[] }>): {
  body: Buffer;
  contentType: string;
} {
  const boundary = 'warden-test-boundary';
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const filename = part.filename === null ? '' : `; filename="${part.filename ?? part.name}"`;
    const head = [`--${boundary}`, `Content-Disposition: form-data; name="${part.name}"${filename}`, ...(part.headers ?? []), '', ''].join('\r\n');
    chunks.push(Buffer.from(head, 'utf8'), Buffer.from(part.content), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export function upload(server: TestFileserver, headers: Record<string, string>, parts: Parameters<typeof multipart>[0]): Promise<RawResponse> {
  const { body, contentType } = multipart(parts);
  return rawRequest(server.url, 'POST', '/', { ...headers, 'Content-Type': contentType }, body);
}

/** Every file below a folder, relative to it. */
export function walk(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}
