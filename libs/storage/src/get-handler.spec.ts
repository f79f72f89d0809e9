import { randomBytes } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { PassThrough, Readable, Writable } from 'node:stream';
import { HttpRequest } from '@smithy/core/protocols';
import { TestPki, type Issued } from '@warden/tls/testing';
import { GetHandler } from './get-handler';
import { READ_BUFFER_BYTES } from './get-connection';
import { ResponseBody } from './response-body';
import { socketPair } from './testing';

const BODY = randomBytes(3 * 1024 * 1024 + 17);

let handler: GetHandler;
const servers: Array<Server | HttpServer> = [];

afterEach(async () => {
  handler?.destroy();
  for (const server of servers.splice(0)) {
    (server as HttpServer).closeAllConnections?.();
    server.close();
  }
});

/** A real HTTP server on loopback that counts the connections it accepts. */
async function httpServer(answer: Parameters<typeof createHttpServer>[1]): Promise<{ port: number; connections: () => number }> {
  const server = createHttpServer(answer);
  let connections = 0;
  server.on('connection', () => connections++);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** A raw TCP server for answers no HTTP server would send; `serve` gets each request's head. */
async function rawServer(
  serve: (socket: Socket, request: string, index: number) => void,
): Promise<{ port: number; connections: () => number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  let requests = 0;
  const server = createNetServer((socket) => {
    sockets.push(socket);
    let pending = '';
    socket.on('error', () => undefined);
    socket.on('data', (data) => {
      pending += data.toString('latin1');
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const request = pending.slice(0, end);
      pending = pending.slice(end + 4);
      serve(socket, request, requests++);
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, connections: () => sockets.length, sockets };
}

const requestTo = (port: number, fields: Partial<ConstructorParameters<typeof HttpRequest>[0]> = {}) =>
  new HttpRequest({ method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port, path: '/bucket/key', headers: {}, ...fields });
const get = (port: number, path = '/bucket/key', headers: Record<string, string> = {}) => requestTo(port, { path, headers });

async function readAll(body: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as Readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A client that takes `delayMs` per write, with a small buffer: the body must wait for it. */
function slowClient(delayMs: number): Writable & { received: () => Buffer; maxBuffered: () => number } {
  const chunks: Buffer[] = [];
  let maxBuffered = 0;
  const client = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      maxBuffered = Math.max(maxBuffered, client.writableLength);
      chunks.push(Buffer.from(chunk));
      setTimeout(callback, delayMs);
    },
  });
  return Object.assign(client, { received: () => Buffer.concat(chunks), maxBuffered: () => maxBuffered });
}

describe('GetHandler', () => {
  it('reads bodies whole, as a stream or sent on, over one kept-alive connection', async () => {
    const server = await httpServer((_req, res) => res.writeHead(200, { 'Content-Length': BODY.length }).end(BODY));
    handler = new GetHandler();
    const first = await handler.handle(get(server.port));
    expect(first.response.statusCode).toBe(200);
    expect(first.response.headers['content-length']).toBe(String(BODY.length));
    expect((await readAll(first.response.body)).equals(BODY)).toBe(true);

    const second = await handler.handle(get(server.port));
    const client = slowClient(0);
    await (second.response.body as ResponseBody).sendTo(client, (error) => error);
    expect(client.received().equals(BODY)).toBe(true);

    await readAll((await handler.handle(get(server.port))).response.body);
    expect(server.connections()).toBe(1);
  });

  it('sends bodies to a slow socket from reused buffers, byte for byte, one after another', async () => {
    // More than the kernel's socket buffers hold, so that writes wait in Node with their buffers.
    const big = randomBytes(24 * 1024 * 1024);
    const server = await httpServer((_req, res) => res.writeHead(200, { 'Content-Length': big.length }).end(big));
    handler = new GetHandler();
    for (let i = 0; i < 2; i++) {
      const client = await socketPair();
      // A client that stops reading now and then: buffers wait in the socket, then go back to the pool.
      client.peer.pause();
      const stutter = setInterval(() => (client.peer.isPaused() ? client.peer.resume() : client.peer.pause()), 10);
      const { response } = await handler.handle(get(server.port));
      await (response.body as ResponseBody).sendTo(client.sink, (error) => error);
      clearInterval(stutter);
      client.peer.resume();
      expect((await client.received()).equals(big)).toBe(true);
    }
    expect(server.connections()).toBe(1);
  });

  it('sends the signed request line and fields as given, with the query', async () => {
    let seen = '';
    const server = await rawServer((socket, request) => {
      seen = request;
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    handler = new GetHandler();
    const request = requestTo(server.port, {
      path: '/b/a%20b',
      query: { 'list-type': '2', prefix: 'x/y' },
      headers: { authorization: 'AWS4 sig', 'x-amz-date': '20261202T000000Z' },
    });
    const { response } = await handler.handle(request);
    expect((await readAll(response.body)).toString()).toBe('ok');
    expect(seen.split('\r\n')).toEqual([
      'GET /b/a%20b?list-type=2&prefix=x%2Fy HTTP/1.1',
      `host: 127.0.0.1:${server.port}`,
      'authorization: AWS4 sig',
      'x-amz-date: 20261202T000000Z',
    ]);
  });

  it('waits for a slow client instead of reading the whole object into memory', async () => {
    const server = await httpServer((_req, res) => res.writeHead(200, { 'Content-Length': BODY.length }).end(BODY));
    handler = new GetHandler();
    const { response } = await handler.handle(get(server.port));
    const client = slowClient(2);
    await (response.body as ResponseBody).sendTo(client, (error) => error);
    expect(client.received().equals(BODY)).toBe(true);
    // Paused while the client's buffer is over its mark: at most one read beyond it is queued.
    expect(client.maxBuffered()).toBeLessThanOrEqual(64 * 1024 + READ_BUFFER_BYTES);
  });

  it('hands answers Content-Length does not frame to the SDK handler, chunked error bodies included', async () => {
    const server = await httpServer((_req, res) => {
      res.writeHead(404, { 'Content-Type': 'application/xml' });
      res.write('<Error><Code>NoSuchKey</Code>');
      res.end('</Error>');
    });
    handler = new GetHandler();
    const { response } = await handler.handle(get(server.port));
    expect(response.statusCode).toBe(404);
    expect((await readAll(response.body)).toString()).toBe('<Error><Code>NoSuchKey</Code></Error>');
  });

  it('sends everything but GETs through the SDK handler', async () => {
    const server = await httpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.writeHead(200, { 'Content-Length': 0, 'X-Got': `${req.method} ${Buffer.concat(chunks)}` }).end());
    });
    handler = new GetHandler();
    const put = requestTo(server.port, {
      method: 'PUT',
      path: '/b/k',
      headers: { 'content-length': '5' },
      body: 'hello',
    });
    const { response } = await handler.handle(put);
    expect(response.body).not.toBeInstanceOf(ResponseBody);
    expect(response.headers['x-got']).toBe('PUT hello');
  });

  it('replaces a kept connection the store closed, without failing the request', async () => {
    const server = await rawServer((socket, _request, index) => {
      if (index === 1) return void socket.destroy();
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    handler = new GetHandler();
    await readAll((await handler.handle(get(server.port))).response.body);
    const { response } = await handler.handle(get(server.port));
    expect((await readAll(response.body)).toString()).toBe('ok');
    expect(server.connections()).toBe(2);
  });

  it('fails a body cut short, as a stream and sent on, and never reuses its connection', async () => {
    const server = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n');
      socket.end(Buffer.alloc(300_000));
    });
    handler = new GetHandler();
    await expect(readAll((await handler.handle(get(server.port))).response.body)).rejects.toThrow(/closed the connection/);

    const client = new PassThrough();
    client.resume();
    client.on('error', () => undefined);
    const { response } = await handler.handle(get(server.port));
    await (response.body as ResponseBody).sendTo(client, (error) => new Error(`mapped: ${error.message}`));
    expect(client.destroyed).toBe(true);
    expect(client.errored?.message).toMatch(/^mapped: /);
    expect(server.connections()).toBe(2);
  });

  it('never reuses a connection on which the store sent more than it announced', async () => {
    const server = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil'));
    handler = new GetHandler();
    expect((await readAll((await handler.handle(get(server.port))).response.body)).toString()).toBe('ok');
    expect((await readAll((await handler.handle(get(server.port))).response.body)).toString()).toBe('ok');
    expect(server.connections()).toBe(2);
  });

  it('refuses a malformed or smuggling answer and closes its connection', async () => {
    const server = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\nok'));
    handler = new GetHandler();
    await expect(handler.handle(get(server.port))).rejects.toMatchObject({ code: 'ERR_S3_BAD_RESPONSE' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.sockets[0].destroyed).toBe(true);
  });

  it('refuses request fields that would split the request, sending nothing', async () => {
    const server = await rawServer(() => undefined);
    handler = new GetHandler();
    await expect(handler.handle(get(server.port, '/b/k', { 'x-amz-meta': 'a\r\nX-Injected: 1' }))).rejects.toThrow(/not valid HTTP/);
    await expect(handler.handle(get(server.port, '/b/k x'))).rejects.toThrow(/request target/);
    expect(server.connections()).toBe(0);
  });

  it('stops reading from the store when the client goes away mid-body', async () => {
    const big = Buffer.alloc(64 * 1024 * 1024);
    const server = await rawServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n`);
      socket.write(big);
    });
    handler = new GetHandler();
    const { response } = await handler.handle(get(server.port));
    let written = 0;
    const client = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        written += chunk.length;
        if (written > 1024 * 1024) return client.destroy();
        callback();
      },
    });
    await (response.body as ResponseBody).sendTo(client, (error) => error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.sockets[0].destroyed || server.sockets[0].readableEnded).toBe(true);
  });

  it('gives up on an answer when the request is aborted', async () => {
    const server = await rawServer(() => undefined);
    handler = new GetHandler();
    const controller = new AbortController();
    const answer = handler.handle(get(server.port), { abortSignal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    await expect(answer).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('does not ask a store that let a kept connection time out a second time', async () => {
    const server = await rawServer((socket, _request, index) => {
      if (index === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    handler = new GetHandler(undefined, { socketTimeoutMs: 100 });
    await readAll((await handler.handle(get(server.port))).response.body);
    await expect(handler.handle(get(server.port))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(server.connections()).toBe(1);
  });

  it('times out a store that does not answer', async () => {
    const server = await rawServer(() => undefined);
    handler = new GetHandler(undefined, { socketTimeoutMs: 50 });
    await expect(handler.handle(get(server.port))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(server.connections()).toBe(1);
  });

  it('lets a body nobody reads time out without an unhandled error', async () => {
    const server = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf'));
    handler = new GetHandler(undefined, { socketTimeoutMs: 50 });
    const { response } = await handler.handle(get(server.port));
    const body = response.body as ResponseBody;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(body.destroyed).toBe(true);
    expect(server.sockets[0].destroyed || server.sockets[0].readableEnded).toBe(true);
  });

  describe('over https', () => {
    const pki = new TestPki('Warden Get Test');
    afterAll(() => pki.cleanup());

    async function httpsStore(leaf: Issued): Promise<{ port: number; requests: () => number }> {
      let requests = 0;
      const chain = `${leaf.cert}${pki.intermediate.cert}`;
      const server = createHttpsServer({ cert: chain, key: leaf.key }, (_req, res) => {
        requests++;
        res.writeHead(200, { 'Content-Length': BODY.length }).end(BODY);
      });
      servers.push(server);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return { port: (server.address() as AddressInfo).port, requests: () => requests };
    }

    const tlsGet = (port: number) => requestTo(port, { protocol: 'https:', path: '/b/k' });

    it('reads from a store whose certificate chains to the given roots', async () => {
      const store = await httpsStore(pki.leaf('store', { ips: ['127.0.0.1'] }));
      handler = new GetHandler(undefined, { ca: [pki.root.cert] });
      const client = slowClient(0);
      await ((await handler.handle(tlsGet(store.port))).response.body as ResponseBody).sendTo(client, (error) => error);
      expect(client.received().equals(BODY)).toBe(true);
    });

    it('sends nothing to a store whose certificate is untrusted or names another host', async () => {
      const untrusted = await httpsStore(pki.leaf('untrusted', { ips: ['127.0.0.1'] }));
      handler = new GetHandler();
      await expect(handler.handle(tlsGet(untrusted.port))).rejects.toMatchObject({ code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' });
      expect(untrusted.requests()).toBe(0);

      const misnamed = await httpsStore(pki.leaf('misnamed', { dns: ['other.example'] }));
      handler.destroy();
      handler = new GetHandler(undefined, { ca: [pki.root.cert] });
      await expect(handler.handle(tlsGet(misnamed.port))).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      expect(misnamed.requests()).toBe(0);
    });
  });
});
