import { X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls';
import { ConfigError } from '@warden/config';
import { MIN_TLS_VERSION, trustOptions } from '@warden/tls';
import { SdkError, type PresentedCertificate } from './sdk-error';
import type { TrustStore } from './trust-store';

/** How the client trusts servers: the seed's CLI options, and trust on first use. */
export interface ClientTls {
  /** A private CA (PEM) to trust instead of the well-known roots. */
  caFile?: string;
  /** The name the server's certificate must carry, when the host is an IP address or another name. */
  certName?: string;
  /** No verification: the data is encrypted, but anyone on the path can pose as the server. */
  skipVerify?: boolean;
  /** Confirmed certificates per server; without it a certificate that fails verification just fails. */
  trustStore?: TrustStore;
}

// OpenSSL's verdicts on a chain: the server's certificate cannot be verified with what we trust.
const CHAIN_UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);
const OTHER_VERIFY_FAILURES = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED', 'INVALID_CA']);
const PIN_MISMATCH = 'ERR_WARDEN_PIN_MISMATCH';

export function isVerifyFailure(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return CHAIN_UNTRUSTED.has(code) || OTHER_VERIFY_FAILURES.has(code) || code === PIN_MISMATCH;
}

function topOfChain(leaf: DetailedPeerCertificate): X509Certificate | undefined {
  let cert = leaf;
  for (let depth = 0; depth < 10 && cert.issuerCertificate && cert.issuerCertificate.fingerprint256 !== cert.fingerprint256; depth++)
    cert = cert.issuerCertificate;
  const top = new X509Certificate(cert.raw);
  return top.checkIssued(top) && top.verify(top.publicKey) ? top : undefined;
}

const subjectOf = (cert: PeerCertificate) =>
  Object.entries(cert.subject ?? {})
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ');

/**
 * What the server at `url` presents, read on a connection that sends nothing and verifies nothing:
 * only to show the user the fingerprint to confirm, never to carry data.
 */
export function presentedCertificate(url: URL, certName?: string, timeoutMs = 10_000): Promise<PresentedCertificate> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const servername = certName ?? (isIP(host) ? undefined : host);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(url.port || 443), servername, rejectUnauthorized: false, minVersion: MIN_TLS_VERSION }, () => {
      const leaf = socket.getPeerCertificate(true);
      socket.destroy();
      resolve({ origin: url.origin, sha256: leaf.fingerprint256, subject: subjectOf(leaf), anchor: topOfChain(leaf)?.toString() });
    });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('timed out')));
    socket.on('error', reject);
  });
}

/** Per-origin agents that apply the trust settings and, for confirmed servers, accept exactly that certificate. */
export class TlsPolicy {
  private readonly agents = new Map<string, Agent>();

  constructor(private readonly tls: ClientTls = {}) {}

  /** Trust on first use applies when the user named no CA and did not switch verification off. */
  private get trustStore(): TrustStore | undefined {
    return this.tls.caFile || this.tls.skipVerify ? undefined : this.tls.trustStore;
  }

  agentFor(url: URL): Agent | undefined {
    if (url.protocol !== 'https:') return undefined;
    const cached = this.agents.get(url.origin);
    if (cached) return cached;
    let options;
    try {
      options = trustOptions({ caFile: this.tls.caFile, certName: this.tls.certName, skipVerify: this.tls.skipVerify }, 'client');
    } catch (error) {
      if (error instanceof ConfigError) throw new SdkError('ERR_CONFIG_INVALID', error.message.replace(/^client\.ca_file: /, ''));
      throw error;
    }
    const pin = this.trustStore?.get(url.origin);
    if (pin) {
      // The confirmed chain's root is the only anchor, and the leaf must be the confirmed one:
      // both are checked inside the handshake, before a byte of the request leaves.
      options.ca = [pin.anchor];
      options.checkServerIdentity = (_host, cert) =>
        cert.fingerprint256 === pin.sha256
          ? undefined
          : Object.assign(new Error(`certificate ${cert.fingerprint256} is not the confirmed ${pin.sha256}`), { code: PIN_MISMATCH });
    }
    const agent = new Agent({ keepAlive: true, ...options });
    this.agents.set(url.origin, agent);
    return agent;
  }

  /** Turns a failed verification into what the user can act on: confirm, compare, or configure. */
  async explain(error: NodeJS.ErrnoException, url: URL, target: string): Promise<SdkError> {
    const code = error.code ?? 'verification failed';
    const store = this.trustStore;
    if (!store || (!CHAIN_UNTRUSTED.has(code) && code !== PIN_MISMATCH)) {
      const hint = code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? 'set the name the certificate carries with --cert-name' : 'trust its CA with --ca-file';
      return new SdkError('ERR_TLS_VERIFY', `${target} at ${url.origin}: certificate not accepted (${code}): ${hint}`);
    }
    let presented: PresentedCertificate;
    try {
      presented = await presentedCertificate(url, this.tls.certName);
    } catch (probeError) {
      return new SdkError(
        'ERR_TLS_VERIFY',
        `${target} at ${url.origin}: certificate not accepted (${code}), and reading it again failed (${(probeError as Error).message})`,
      );
    }
    const pin = store.get(url.origin);
    if (pin && pin.sha256 !== presented.sha256) {
      return new SdkError(
        'ERR_CERTIFICATE_CHANGED',
        `${target} at ${url.origin} presents a certificate OTHER than the one you confirmed: refusing to connect.\n` +
          `  confirmed SHA-256: ${pin.sha256}\n  presented SHA-256: ${presented.sha256} (${presented.subject})\n` +
          `If the server's certificate was replaced on purpose, check the new fingerprint with its administrator and confirm it with --trust-fingerprint ${presented.sha256}`,
        { certificate: presented },
      );
    }
    if (!presented.anchor) {
      return new SdkError(
        'ERR_TLS_VERIFY',
        `${target} at ${url.origin}: certificate not accepted (${code}) and the server does not send its chain up to a root: trust its CA with --ca-file`,
      );
    }
    return new SdkError(
      'ERR_UNTRUSTED_CERTIFICATE',
      `${target} at ${url.origin} presents a certificate no trusted CA signed (${presented.subject}).\n` +
        `  SHA-256 fingerprint: ${presented.sha256}\n` +
        `Check this fingerprint with the server's administrator; to trust it from now on, run again with --trust-fingerprint ${presented.sha256}`,
      { certificate: presented },
    );
  }
}
