import { Agent, createServer, request, type IncomingMessage, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A test-only load balancer for one service: round robin over its replicas, on a free loopback port. */
export interface Front {
  url: string;
  /** Requests sent again to the next replica because the first one's connection failed before any answer. */
  retries(): number;
  /** Requests answered (by status) per replica URL. */
  answered(): Record<string, number>;
  close(): Promise<void>;
}

// Hop-by-hop headers (RFC 9110 7.6.1), and the body framing, which the front sets itself.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'content-length'];
const UPSTREAM_TIMEOUT_MS = 30_000;

function forwardable(headers: IncomingMessage['headers']): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...headers };
  for (const name of HOP_BY_HOP) delete out[name];
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Each request goes to the next replica in turn. A connection that fails before the replica answers
 * (refused, reset, cut) is retried once on the next replica, as a load balancer with passive health
 * checks does; an answer that breaks off part-way is passed on broken, so the client sees it fail.
 * Bodies are buffered to be sent again: the suite's bodies are small.
 */
export async function startFront(replicas: string[]): Promise<Front> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const answered: Record<string, number> = Object.fromEntries(replicas.map((r) => [r, 0]));
  let next = 0;
  let retries = 0;

  const forward = (replica: string, req: IncomingMessage, body: Buffer): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const target = new URL(req.url ?? '/', replica);
      const upstream = request(target, {
        method: req.method,
        agent,
        headers: { ...forwardable(req.headers), 'content-length': body.length },
        timeout: UPSTREAM_TIMEOUT_MS,
      });
      upstream.once('response', resolve);
      upstream.once('error', reject);
      upstream.once('timeout', () => upstream.destroy(new Error('upstream timed out')));
      upstream.end(body);
    });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const first = next++ % replicas.length;
      let answer: IncomingMessage;
      let replica = replicas[first];
      try {
        answer = await forward(replica, req, body);
      } catch {
        retries++;
        replica = replicas[(first + 1) % replicas.length];
        answer = await forward(replica, req, body);
      }
      answered[replica]++;
      const headers = forwardable(answer.headers);
      if (answer.headers['content-length'] !== undefined) headers['content-length'] = answer.headers['content-length'];
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
      answer.once('error', () => res.destroy());
      answer.once('aborted', () => res.destroy());
    })().catch(() => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { 'content-type': 'text/plain' }).end('no replica answered');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    retries: () => retries,
    answered: () => ({ ...answered }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
