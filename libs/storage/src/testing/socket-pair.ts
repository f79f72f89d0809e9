import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface SocketPair {
  /** The end to write to: a real socket, done with a buffer when its write calls back. */
  sink: Socket;
  /** Everything that reached the other end, once the sink has ended. */
  received(): Promise<Buffer>;
  /** The other end, to pause and resume as a slow client would. */
  peer: Socket;
}

/** Two connected loopback sockets. */
export async function socketPair(): Promise<SocketPair> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const sink = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [peer] = await accepted;
  server.close();
  const chunks: Buffer[] = [];
  peer.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = once(peer, 'end');
  return { sink, peer, received: async () => (await ended, Buffer.concat(chunks)) };
}
