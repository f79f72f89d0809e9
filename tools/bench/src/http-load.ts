import { Agent, request } from 'node:http';

export interface HttpLoadResult {
  requestsPerSec: number;
  p99Ms: number;
  requests: number;
}

export interface HttpLoadOptions {
  url: string;
  connections: number;
  /** Runs until this many seconds have passed, or until `until` resolves when given. */
  seconds?: number;
  until?: Promise<unknown>;
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

/**
 * `connections` clients each sending one request after another through a keep-alive agent, as the
 * ClearML SDK's HTTP session does: a connection is reused when the server keeps it open and a new
 * one made when it closes it (gunicorn's sync workers close after every answer). autocannon is not
 * used here because it writes its next request into a connection the server is closing and counts
 * the reset and the wait as the server's, which made ClearML's side look seconds slow.
 * Any answer but 2xx, or a failed connection, fails the load.
 */
export async function httpLoad(o: HttpLoadOptions): Promise<HttpLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  const latencies: number[] = [];
  let stop = false;
  const deadline = o.seconds === undefined ? undefined : setTimeout(() => (stop = true), o.seconds * 1000);
  const finish = () => void (stop = true);
  o.until?.then(finish, finish);
  const headers = { ...o.headers, ...(o.body && { 'Content-Length': String(o.body.length) }) };
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const started = performance.now();
      const req = request(o.url, { method: o.method ?? 'GET', headers, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 300) return reject(new Error(`${o.method ?? 'GET'} ${o.url}: HTTP ${res.statusCode}`));
          latencies.push(performance.now() - started);
          resolve();
        });
      });
      req.on('error', reject);
      req.end(o.body);
    });
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: o.connections }, async () => {
        while (!stop) await one();
      }),
    );
  } finally {
    clearTimeout(deadline);
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { requestsPerSec: latencies.length / seconds, p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? NaN, requests: latencies.length };
}
