import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  CredentialReloader,
  expiryWarning,
  PeerLimiter,
  secureContextOptions,
  serverTlsOptions,
  type CredentialFiles,
  type ServerCredentials,
} from '@warden/tls';
import type { Logger } from './logger';

export interface TlsServingOptions {
  files: CredentialFiles;
  initial: ServerCredentials;
  reloadCheckMs: number;
  logger: Logger;
  registry?: Registry;
}

/** What went wrong in a failed handshake, in a few stable words for the metric's label. */
function handshakeReason(error: NodeJS.ErrnoException): string {
  const text = `${error.code ?? ''} ${error.message}`.toLowerCase();
  if (text.includes('http request')) return 'plain_http';
  if (text.includes('unsupported protocol') || text.includes('version')) return 'protocol_version';
  if (text.includes('no shared cipher') || text.includes('no cipher')) return 'no_shared_cipher';
  if (text.includes('timeout')) return 'timeout';
  if (text.includes('econnreset') || text.includes('socket hang up') || text.includes('disconnected')) return 'reset';
  return 'other';
}

/**
 * A service's TLS while it serves: the current certificate pair, swapped in for new connections
 * when renewed files pass every check (open connections keep the context they started with), the
 * expiry as a metric and a `/ready` warning, and failed handshakes logged at most once a minute per
 * peer address.
 */
export class TlsServing {
  private readonly reloader: CredentialReloader;
  private readonly peers = new PeerLimiter();
  private readonly expiry?: Gauge;
  private readonly reloads?: Counter;
  private readonly handshakeErrors?: Counter;
  private server?: HttpsServer;

  constructor(private readonly options: TlsServingOptions) {
    const registers = options.registry ? [options.registry] : [];
    if (options.registry) {
      // In a worker pool the primary aggregates: the earliest expiry among workers is the one that matters.
      this.expiry = new Gauge({
        name: 'warden_tls_certificate_expiry_timestamp_seconds',
        help: 'When the served TLS certificate expires (Unix time)',
        aggregator: 'min',
        registers,
      });
      this.reloads = new Counter({ name: 'warden_tls_reloads_total', help: 'Renewed TLS certificate pairs, by result', labelNames: ['result'], registers });
      this.handshakeErrors = new Counter({
        name: 'warden_tls_handshake_errors_total',
        help: 'Failed TLS handshakes, by reason',
        labelNames: ['reason'],
        registers,
      });
      this.reloads.inc({ result: 'refused' }, 0);
    }
    this.expiry?.set(options.initial.notAfter.getTime() / 1000);
    this.reloader = new CredentialReloader({
      files: options.files,
      initial: options.initial,
      intervalMs: options.reloadCheckMs,
      onReload: (credentials) => this.use(credentials),
      onRefused: (error) => {
        this.reloads?.inc({ result: 'refused' });
        options.logger.error({ err: { message: error.message } }, 'renewed TLS certificate refused: still serving the previous one');
      },
    });
  }

  get serverOptions() {
    const { cert, key } = this.reloader.credentials;
    return serverTlsOptions(cert, key);
  }

  get fingerprint(): string {
    return this.reloader.credentials.fingerprint;
  }

  /** Warnings for `/ready`, computed at each call so they appear as the end nears. */
  warnings(): string[] {
    const warning = expiryWarning(this.reloader.credentials, this.options.files.setting);
    return warning ? [warning] : [];
  }

  async attach(server: HttpsServer): Promise<void> {
    this.server = server;
    // Read once while the socket is open: a peer that hangs up mid-handshake has no address left to ask.
    server.on('connection', (socket: Socket) => void socket.remoteAddress);
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => this.handshakeFailed(error, socket));
    await this.reloader.start();
  }

  stop(): Promise<void> {
    return this.reloader.stop();
  }

  private use(credentials: ServerCredentials): void {
    this.server?.setSecureContext(secureContextOptions(credentials.cert, credentials.key));
    this.expiry?.set(credentials.notAfter.getTime() / 1000);
    this.reloads?.inc({ result: 'loaded' });
    this.options.logger.info({ fingerprint: credentials.fingerprint, not_after: credentials.notAfter.toISOString() }, 'renewed TLS certificate loaded');
  }

  private handshakeFailed(error: NodeJS.ErrnoException, socket: TLSSocket): void {
    const reason = handshakeReason(error);
    this.handshakeErrors?.inc({ reason });
    // The TLS socket forgets its address once closed; the TCP socket under it (Node's _parent) cached it.
    const peer = socket.remoteAddress ?? (socket as TLSSocket & { _parent?: Socket })._parent?.remoteAddress ?? 'unknown';
    if (!this.peers.allow(peer)) return;
    this.options.logger.warn({ peer, reason, code: error.code }, 'TLS handshake failed (logged once a minute per peer)');
  }
}
