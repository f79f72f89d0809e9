import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { TestPki } from '@warden/tls/testing';
import { createS3Client } from './s3-client';

/**
 * The trust settings reach both of the client's handlers: GetHandler for reads, the SDK's own for
 * everything else. The store is an https server on loopback holding one object in memory.
 */
describe('createS3Client over https', () => {
  const pki = new TestPki('Warden S3 Client Test');
  const leaf = pki.leaf('store', { ips: ['127.0.0.1'] });
  let server: Server;
  let endpoint: string;
  let client: S3Client | undefined;
  let requests = 0;
  let stored = Buffer.alloc(0);

  beforeAll(async () => {
    server = createServer({ cert: `${leaf.cert}${pki.intermediate.cert}`, key: leaf.key }, (req, res) => {
      requests++;
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.method === 'PUT') stored = Buffer.concat(chunks);
        const body = req.method === 'GET' ? stored : Buffer.alloc(0);
        res.writeHead(200, { ETag: '"e1"', 'Content-Length': body.length }).end(body);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(() => client?.destroy());
  afterAll(() => {
    server.close();
    pki.cleanup();
  });

  const connect = (ca?: string[]) =>
    (client = createS3Client({ region: 'us-east-1', endpoint, pathStyle: true, credentials: { accessKeyId: 'test-key', secretAccessKey: 'test-secret' }, ca }));

  it('writes and reads through a store with a private CA when given its root', async () => {
    const s3 = connect([pki.root.cert]);
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'stored bytes' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
    const chunks: Buffer[] = [];
    for await (const chunk of got.Body as Readable) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('stored bytes');
  });

  it('sends nothing, read or write, to that store without its root', async () => {
    const before = requests;
    const s3 = connect();
    await expect(s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' }))).rejects.toThrow(/unable to get local issuer certificate/);
    await expect(s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))).rejects.toThrow(/unable to get local issuer certificate/);
    expect(requests).toBe(before);
  });
});
