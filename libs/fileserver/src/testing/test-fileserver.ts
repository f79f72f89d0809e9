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
import { LocalStorage, TEMP_DIR_NAME, type StorageAdapter } from '@warden/storage';
import {
  TEST_STORAGE_BACKEND,
  emptyS3Prefix,
  listS3Keys,
  listS3Uploads,
  s3TestClient,
  s3TestStore,
  testS3Storage,
  uniqueS3Prefix,
} from '@warden/storage/testing';
import { text } from 'node:stream/consumers';
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
  backend: 'local' | 's3';
  /** The local backend's folder (a fresh temp folder, unused on S3). */
  root: string;
  storage: StorageAdapter;
  url: string;
  server: Server;
  /** Every stored object below a folder ('' = all tenants), relative to it, sorted. */
  objects(folder?: string): Promise<string[]>;
  /** One stored object's content, read from the backend. */
  content(key: string): Promise<string>;
  /** What interrupted writes left behind: temp files (local) or multipart uploads (S3). */
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

interface TestBackend {
  storage: StorageAdapter;
  objects(folder: string): Promise<string[]>;
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

/** The backend the specs run on (WARDEN_TEST_STORAGE=s3 or local), each test with a space of its own. */
async function testBackend(root: string): Promise<TestBackend> {
  if (TEST_STORAGE_BACKEND === 'local') {
    const storage = new LocalStorage(root);
    await storage.cleanupTemp();
    return {
      storage,
      objects: async (folder) => walk(join(root, folder)).filter((f) => !f.startsWith(`${TEMP_DIR_NAME}/`)),
      leftovers: async () => walk(join(root, TEMP_DIR_NAME)),
      close: async () => undefined,
    };
  }
  const store = s3TestStore();
  const client = s3TestClient(store);
  const prefix = uniqueS3Prefix('fileserver');
  const folderKey = (folder: string) => (folder ? `${prefix}/${folder}` : prefix);
  return {
    storage: testS3Storage({ client, prefix }),
    objects: (folder) => listS3Keys(client, store.bucket, folderKey(folder)),
    leftovers: () => listS3Uploads(client, store.bucket, prefix),
    close: async () => {
      await emptyS3Prefix(client, store.bucket, prefix);
      client.destroy();
    },
  };
}

/**
 * The fileserver routes inside the real service kit, on a free port, over a fresh temp folder (or
 * S3 prefix); with the hot paths served outside the router as in production, unless `routerOnly`.
 * `shareWith` serves the same stored objects as another test fileserver.
 */
export async function startTestFileserver(
  options: Partial<Omit<FileserverOptions, 'storage'>> & { routerOnly?: boolean; shareWith?: TestFileserver; logs?: CapturedLogs } = {},
): Promise<TestFileserver> {
  const { routerOnly, shareWith, logs, ...fileserverOptions } = options;
  const root = shareWith?.root ?? mkdtempSync(join(tmpdir(), 'warden-fileserver-'));
  const backend = (shareWith && backends.get(shareWith)) ?? (await testBackend(root));
  const { storage } = backend;
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
  const started: TestFileserver = {
    backend: TEST_STORAGE_BACKEND,
    root,
    storage,
    url: `http://127.0.0.1:${port}`,
    server,
    objects: (folder = '') => backend.objects(folder),
    content: async (key) => text(await storage.read(key)),
    leftovers: () => backend.leftovers(),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      // A sharing server leaves the objects to the one it shares with.
      if (!shareWith) await backend.close();
    },
  };
  backends.set(started, backend);
  return started;
}

const backends = new WeakMap<TestFileserver, TestBackend>();

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
