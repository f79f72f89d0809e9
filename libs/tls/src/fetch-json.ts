import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';

export interface FetchJsonOptions {
  /** Used for https URLs: the trust settings of the caller (see internalAgent). */
  agent?: Agent;
  timeoutMs: number;
  maxBytes?: number;
}

/** GETs a JSON document over http or https; rejects on a non-2xx status, a timeout or a body past maxBytes. */
export function fetchJson(url: string, options: FetchJsonOptions): Promise<unknown> {
  const target = new URL(url);
  const https = target.protocol === 'https:';
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    const send = https ? httpsRequest : httpRequest;
    const req = send(target, { method: 'GET', headers: { accept: 'application/json' }, agent: https ? options.agent : undefined }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) req.destroy(new Error(`${target.origin} answered more than ${maxBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return reject(new Error(`${target.origin}${target.pathname} answered ${status}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          reject(new Error(`${target.origin}${target.pathname} answered something that is not JSON`));
        }
      });
    });
    // A deadline for the whole exchange: a server that drips its answer must not hold the caller.
    const deadline = setTimeout(() => req.destroy(new Error(`${target.origin} did not answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('error', reject);
    req.end();
  });
}
