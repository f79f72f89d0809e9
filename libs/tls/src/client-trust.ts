import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { checkServerIdentity, rootCertificates, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import { ConfigError } from '@warden/config';
import { parseCertificates } from './pem';
import { MIN_TLS_VERSION } from './server-options';

/** How a client trusts the server it calls: the seed's master_cert, master_cert_name and skip_verify. */
export interface ClientTrust {
  /** PEM file of the private CA (or the server's own certificate) to trust instead of the well-known roots. */
  caFile?: string | null;
  /** The name the server's certificate must carry, when the client connects by another name or an IP address. */
  certName?: string | null;
  /** No verification at all: the data is still encrypted, but anyone on the path can pose as the server. */
  skipVerify?: boolean;
}

/** Reads a CA file; a missing or empty one is the operator's to fix, with the setting named. */
export function readCaFile(path: string, setting: string): string[] {
  let pem: string;
  try {
    pem = readFileSync(path, 'latin1');
  } catch (error) {
    throw new ConfigError('ERR_TLS_CERTIFICATE', `${setting}: CA file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const certs = parseCertificates(pem);
  if (!certs?.length) throw new ConfigError('ERR_TLS_CERTIFICATE', `${setting}: CA file ${path} holds no valid PEM certificate`);
  return certs.map((cert) => cert.toString());
}

/** Connection options for node:tls / node:https that apply a ClientTrust. */
export function trustOptions(trust: ClientTrust, setting = 'tls'): ConnectionOptions {
  const options: ConnectionOptions = { minVersion: MIN_TLS_VERSION, rejectUnauthorized: !trust.skipVerify };
  if (trust.caFile) options.ca = readCaFile(trust.caFile, `${setting}.ca_file`);
  const name = trust.certName;
  if (name) {
    // SNI carries the expected name too, so a server with several certificates picks this one.
    options.servername = name;
    options.checkServerIdentity = (_host: string, cert: PeerCertificate) => checkServerIdentity(name, cert);
  }
  return options;
}

/**
 * Refuses skip_verify in production: a service that does not check the gateway's certificate
 * would take signing keys and forward logins to whoever answers on the path.
 */
export function refuseSkipVerify(skipVerify: boolean, mode: 'production' | 'development', setting: string): void {
  if (!skipVerify || mode !== 'production') return;
  throw new ConfigError(
    'ERR_CONFIG_INVALID',
    `${setting}.skip_verify is true: not verifying the certificates of the services this one calls is refused in production (anyone on the network path could pose as the gateway). Set ${setting}.ca_file to the CA that issued them, and ${setting}.cert_name when connecting by IP address, then remove skip_verify.`,
  );
}

/**
 * For a service's own operator commands calling the running service over loopback: trusts exactly
 * the certificate in its configured file, whatever name it carries (it rarely names 127.0.0.1).
 */
export function selfAgent(certFile: string, setting: string): Agent {
  const chain = readCaFile(certFile, `${setting}.cert`);
  const leaf = parseCertificates(chain[0])![0];
  return new Agent({
    ca: [...rootCertificates, ...chain],
    minVersion: MIN_TLS_VERSION,
    checkServerIdentity: (_host: string, cert: PeerCertificate) =>
      cert.fingerprint256 === leaf.fingerprint256 ? undefined : new Error(`the service presents ${cert.fingerprint256}, not the certificate in ${certFile}`),
  });
}

/** A keep-alive agent for a service's calls to other services over https. */
export function internalAgent(trust: ClientTrust, setting: string): Agent {
  return new Agent({ keepAlive: true, ...trustOptions(trust, setting) });
}
