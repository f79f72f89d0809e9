import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type ConnectionOptions, type SecureVersion, type Server, type TLSSocket } from 'node:tls';
import { secureContextOptions, serverTlsOptions } from './server-options';
import { TestPki } from './testing';

// What a handshake with the service's own TLS options settles on, and whether a second connection
// resumes the first one's session (skipping the certificate signature and its verification).
describe('serverTlsOptions', () => {
  let pki: TestPki;
  let server: Server;
  let port: number;
  const clients: TLSSocket[] = [];

  beforeAll(async () => {
    pki = new TestPki();
    const leaf = pki.leaf('server', { dns: ['localhost'], ips: ['127.0.0.1'] });
    server = createServer(serverTlsOptions(readFileSync(pki.fullChain(leaf)), readFileSync(leaf.keyFile)), (socket) => socket.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    clients.forEach((socket) => socket.destroy());
    await new Promise((resolve) => server.close(resolve));
    pki.cleanup();
  });

  /** Connects, reads the answer to its end, and gives the socket, the server's certificate and the session ticket it got. */
  function handshake(options: ConnectionOptions = {}): Promise<{ socket: TLSSocket; fingerprint: string; session?: Buffer }> {
    return new Promise((resolve, reject) => {
      let session: Buffer | undefined;
      let fingerprint = '';
      const socket = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.root.cert, ...options });
      clients.push(socket);
      socket.on('secureConnect', () => (fingerprint = socket.getPeerCertificate().fingerprint256));
      socket.on('session', (ticket: Buffer) => (session = ticket));
      socket.on('error', reject);
      socket.on('data', () => undefined);
      socket.on('end', () => resolve({ socket, fingerprint, session }));
    });
  }
  const upTo = (version: SecureVersion): ConnectionOptions => ({ maxVersion: version });

  it('prefers AES-128-GCM and X25519 when the client offers everything', async () => {
    const { socket } = await handshake();
    expect(socket.getProtocol()).toBe('TLSv1.3');
    expect(socket.getCipher().standardName).toBe('TLS_AES_128_GCM_SHA256');
    expect(socket.getEphemeralKeyInfo()).toMatchObject({ type: 'ECDH', name: 'X25519' });
  });

  it('takes its own order over the client’s on TLS 1.2: ECDHE with ECDSA and AES-128-GCM', async () => {
    const ciphers = 'ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256';
    const { socket } = await handshake({ ...upTo('TLSv1.2'), ciphers });
    expect(socket.getProtocol()).toBe('TLSv1.2');
    expect(socket.getCipher().name).toBe('ECDHE-ECDSA-AES128-GCM-SHA256');
    expect(socket.getEphemeralKeyInfo()).toMatchObject({ name: 'X25519' });
  });

  it('falls back to P-256 for a client without X25519, and refuses one with no curve it offers', async () => {
    const { socket } = await handshake({ ecdhCurve: 'P-256' });
    expect(socket.getEphemeralKeyInfo()).toMatchObject({ name: 'prime256v1' });
    await expect(handshake({ ecdhCurve: 'P-521' })).rejects.toThrow();
  });

  it.each(['TLSv1.3', 'TLSv1.2'] as const)('resumes a %s session from its ticket', async (version) => {
    const first = await handshake(upTo(version));
    expect(first.socket.isSessionReused()).toBe(false);
    expect(first.session).toBeDefined();
    const second = await handshake({ ...upTo(version), session: first.session });
    expect(second.socket.getProtocol()).toBe(version);
    expect(second.socket.isSessionReused()).toBe(true);
  });

  it('does not resume a session across a certificate reload (a new context has new ticket keys)', async () => {
    const first = await handshake();
    const renewed = pki.leaf('renewed', { dns: ['localhost'] });
    server.setSecureContext(secureContextOptions(readFileSync(pki.fullChain(renewed, 'renewed-chain.pem')), readFileSync(renewed.keyFile)));
    const second = await handshake({ session: first.session });
    expect(second.socket.isSessionReused()).toBe(false);
    expect(second.fingerprint).not.toBe(first.fingerprint);
  });
});
