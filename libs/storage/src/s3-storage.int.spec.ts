import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LocalStorage } from './local-storage';
import { S3Storage } from './s3-storage';
import type { StorageAdapter } from './storage-adapter';
import { listS3Keys, listS3Uploads, s3TestClient, s3TestStore, uniqueS3Prefix } from './testing';

// Needs the S3 test store: `bash tools/services.sh up s3`.
const store = s3TestStore();
const client = s3TestClient(store);
const MIB = 1024 * 1024;

function s3(options: { prefix?: string; smallBodyBudgetBytes?: number; client?: S3Client } = {}): { storage: S3Storage; prefix: string } {
  const prefix = options.prefix ?? uniqueS3Prefix();
  return { storage: new S3Storage({ client, bucket: store.bucket, prefix, partBytes: 5 * MIB, queueSize: 2, ...options }), prefix };
}

/**
 * A client on which the store carries out every CreateMultipartUpload in full, after which
 * `controller` is aborted and, had the request been given that signal, the answer is lost as on a
 * connection cut at that moment: the store has an upload whose id the caller never hears of.
 */
function clientCutAtCreate(controller: AbortController): S3Client {
  const http = new NodeHttpHandler();
  const handler = {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(...[request, options]: Parameters<NodeHttpHandler['handle']>) {
      if (request.method !== 'POST' || !('uploads' in request.query)) return http.handle(request, options);
      const answer = await http.handle(request);
      controller.abort();
      if (options?.abortSignal?.aborted) throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
      return answer;
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => http.destroy(),
  };
  const credentials = { accessKeyId: store.access_key, secretAccessKey: store.secret_key };
  return new S3Client({ region: store.region, endpoint: store.endpoint, forcePathStyle: true, credentials, requestHandler: handler });
}

const body = (content: string | Buffer) => Readable.from([Buffer.from(content)]);

/** `size` bytes in 1 MiB chunks, each filled with its index, then optionally a failure. */
function* chunks(size: number): Generator<Buffer> {
  for (let sent = 0, i = 0; sent < size; sent += MIB, i++) yield Buffer.alloc(Math.min(MIB, size - sent), i % 251);
}

function failingAfter(bytes: number): Readable {
  return Readable.from(
    (function* () {
      yield* chunks(bytes);
      throw new Error('client went away');
    })(),
  );
}

const outcome = async (storage: StorageAdapter, key: string): Promise<string> => {
  try {
    await storage.put(key, body(`content of ${key}`));
    return `stored:${await text(await storage.read(key))}`;
  } catch (error) {
    return `refused:${(error as { code?: string }).code}`;
  }
};

jest.setTimeout(30_000);

describe('S3Storage on the S3 test store', () => {
  afterAll(() => client.destroy());

  it('applies the same key rules as LocalStorage, key for key', async () => {
    const local = new LocalStorage(mkdtempSync(join(tmpdir(), 'warden-storage-')));
    const { storage } = s3();
    const nfc = 'caf\u00e9/r\u00e9sum\u00e9.txt';
    const keys = [
      'plain/file.txt',
      '/leading/slash',
      '//double',
      'a/../../escape',
      '..',
      'a/./b',
      'a//b',
      'trailing/',
      'back\\slash',
      'nul\u0000byte',
      '.warden-tmp/x',
      'a/.warden-tmp',
      nfc,
      nfc.normalize('NFD'),
      'x'.repeat(255),
      `${'d'.repeat(200)}/`.repeat(5) + 'x'.repeat(24),
      `${'d'.repeat(200)}/`.repeat(5) + 'x'.repeat(25),
      'spaces and %2F and +plus',
    ];
    const results = [];
    for (const key of keys) results.push({ key, local: await outcome(local, key), s3: await outcome(storage, key) });
    for (const result of results) expect(result.s3).toBe(result.local);
    // The table means something only if it holds both kinds of outcome.
    expect(results.filter((r) => r.s3.startsWith('refused')).length).toBeGreaterThan(5);
    expect(results.filter((r) => r.s3.startsWith('stored')).length).toBeGreaterThan(5);
    // Unicode forms are not folded together by either backend: two objects, two contents.
    expect(await text(await storage.read(nfc))).toBe(`content of ${nfc}`);
    expect(await text(await storage.read(nfc.normalize('NFD')))).toBe(`content of ${nfc.normalize('NFD')}`);
  });

  it('stores small and multipart bodies and reads them whole, by range and as opened', async () => {
    const { storage } = s3();
    const small = await storage.put('a/small.txt', body('hello world'));
    expect(small).toMatchObject({ key: 'a/small.txt', size: 11 });
    expect(await text(await storage.read('a/small.txt', { start: 6, end: 10 }))).toBe('world');

    const size = 12 * MIB + 5;
    const big = await storage.put('a/big.bin', Readable.from(chunks(size)));
    expect(big.size).toBe(size);
    const read = await buffer(await storage.read('a/big.bin'));
    expect(read.equals(Buffer.concat([...chunks(size)]))).toBe(true);
    expect((await buffer(await storage.read('a/big.bin', { start: MIB - 1, end: MIB }))).equals(Buffer.from([0, 1]))).toBe(true);
    expect(await storage.stat('a/big.bin')).toEqual(big);
    const opened = await storage.open('a/big.bin');
    expect(opened?.object).toEqual(big);
    await opened?.close();
  });

  it('gives every one of many parallel reads its own bytes, streamed or sent on, whole or ranged', async () => {
    const { storage } = s3();
    const content = randomBytes(3 * MIB + 7);
    await storage.put('p/object.bin', body(content));
    const reads = Array.from({ length: 40 }, async (_, i) => {
      const start = (i * 77_777) % content.length;
      const range = i % 3 === 0 ? undefined : { start, end: Math.min(content.length - 1, start + i * 50_000) };
      const expected = range ? content.subarray(range.start, range.end + 1) : content;
      if (i % 2 === 0) return (await buffer(await storage.read('p/object.bin', range))).equals(expected);
      const opened = (await storage.open('p/object.bin'))!;
      const sink = new PassThrough();
      const [received] = await Promise.all([buffer(sink), opened.sendTo(sink, range)]);
      return received.equals(expected);
    });
    // Twice: the second round runs on the connections the first one left open.
    expect(await Promise.all(reads)).toEqual(Array(40).fill(true));
    expect((await buffer(await storage.read('p/object.bin'))).equals(content)).toBe(true);
  });

  it('shows nothing before commit, the object after, and nothing after discard', async () => {
    const { storage, prefix } = s3();
    for (const size of [10, 6 * MIB]) {
      const staged = await storage.stage(`s/${size}`, Readable.from(chunks(size)));
      expect(await storage.stat(`s/${size}`)).toBeUndefined();
      await staged.commit();
      expect((await storage.stat(`s/${size}`))?.size).toBe(size);
      const dropped = await storage.stage(`d/${size}`, Readable.from(chunks(size)));
      await dropped.discard();
      expect(await storage.stat(`d/${size}`)).toBeUndefined();
    }
    expect(await listS3Uploads(client, store.bucket, prefix)).toEqual([]);
  });

  it('keeps the previous version and leaves no upload when a body fails, is aborted or is too large', async () => {
    const { storage, prefix } = s3();
    await storage.put('f', body('previous'));
    await expect(storage.put('f', failingAfter(11 * MIB))).rejects.toThrow('client went away');
    await expect(storage.put('f', failingAfter(100))).rejects.toThrow('client went away');
    await expect(storage.put('f', Readable.from(chunks(12 * MIB)), { maxBytes: 7 * MIB })).rejects.toMatchObject({ code: 'ERR_PAYLOAD_TOO_LARGE' });
    // Aborted by the body itself once 12 MiB are read, so always while parts are on their way.
    const controller = new AbortController();
    const abortingBody = function* () {
      yield* chunks(12 * MIB);
      controller.abort();
      yield* chunks(28 * MIB);
    };
    await expect(storage.put('f', Readable.from(abortingBody()), { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(await text(await storage.read('f'))).toBe('previous');
    expect(await listS3Keys(client, store.bucket, prefix)).toEqual(['f']);
    expect(await listS3Uploads(client, store.bucket, prefix)).toEqual([]);
  });

  it('leaves no upload when the abort comes while the store is starting it', async () => {
    const controller = new AbortController();
    const { storage, prefix } = s3({ client: clientCutAtCreate(controller) });
    await storage.put('f', body('previous'));
    await expect(storage.put('f', Readable.from(chunks(12 * MIB)), { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(await text(await storage.read('f'))).toBe('previous');
    expect(await listS3Uploads(client, store.bucket, prefix)).toEqual([]);
  });

  it('refuses a file below a file and a file over a folder, as a filesystem does', async () => {
    const { storage } = s3();
    await storage.put('p/file', body('x'));
    await expect(storage.put('p/file/below', body('y'))).rejects.toMatchObject({ code: 'ERR_PATH_CONFLICT' });
    await expect(storage.put('p', body('y'))).rejects.toMatchObject({ code: 'ERR_PATH_CONFLICT' });
    expect(await storage.stat('p/file/below')).toBeUndefined();
  });

  it('deletes objects, and folders of more than one page in batches', async () => {
    const { storage, prefix } = s3();
    const keys = Array.from({ length: 1003 }, (_, i) => `many/${i}`);
    // Straight to the store: 1003 uploads through the adapter would mostly time its conflict checks.
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((k) => client.send(new PutObjectCommand({ Bucket: store.bucket, Key: `${prefix}/${k}`, Body: 'x' }))));
    }
    await storage.put('keep', body('k'));
    expect(await storage.isFolder('many')).toBe(true);
    expect(await storage.isFolder('keep')).toBe(false);
    expect(await storage.delete('many')).toBe(false);
    expect(await storage.deletePrefix('many')).toBe(1003);
    expect(await storage.isFolder('many')).toBe(false);
    expect(await storage.delete('keep')).toBe(true);
    expect(await storage.delete('keep')).toBe(false);
    expect(await listS3Keys(client, store.bucket, prefix)).toEqual([]);
  });

  it('fails a read of an object replaced after it was opened rather than mixing two versions', async () => {
    const { storage } = s3();
    await storage.put('v', body('version one'));
    const opened = await storage.open('v');
    await storage.put('v', body('version two, longer'));
    await expect(text(opened!.stream())).rejects.toMatchObject({ code: 'ERR_STORAGE_UNAVAILABLE' });
  });

  it('names the setting to fix when the bucket is missing or the credentials are wrong', async () => {
    await expect(new S3Storage({ client, bucket: 'warden-no-such-bucket' }).checkBucket()).rejects.toThrow(
      /bucket warden-no-such-bucket does not exist: .*fileserver\.storage\.s3\.bucket/,
    );
    const { createS3Client } = await import('./s3-client');
    const wrong = createS3Client({
      region: store.region,
      endpoint: store.endpoint,
      pathStyle: true,
      credentials: { accessKeyId: store.access_key, secretAccessKey: 'wrong' },
    });
    const refused = new S3Storage({ client: wrong, bucket: store.bucket }).checkBucket();
    await expect(refused).rejects.toThrow(/fileserver\.storage\.s3\.access_key and secret_key/);
    await expect(refused).rejects.not.toThrow(store.secret_key);
    await expect(new S3Storage({ client, bucket: store.bucket }).checkBucket()).resolves.toBeUndefined();
  });
});
