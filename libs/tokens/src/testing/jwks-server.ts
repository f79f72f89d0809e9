import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PublicJwk } from '../jwk';

export interface JwksServer {
  url: string;
  /** How many times the JWKS was fetched. */
  requests(): number;
  setJwks(jwks: { keys: PublicJwk[] }): void;
  close(): Promise<void>;
}

/** Serves a JWKS on 127.0.0.1 at a free port, counting fetches, as the gateway's endpoint would. */
export async function startJwksServer(jwks: { keys: PublicJwk[] }): Promise<JwksServer> {
  let body = JSON.stringify(jwks);
  let requests = 0;
  const server = createServer((_req, res) => {
    requests += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    requests: () => requests,
    setJwks: (next) => {
      body = JSON.stringify(next);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
