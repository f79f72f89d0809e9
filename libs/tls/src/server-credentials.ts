import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { ConfigError } from '@warden/config';
import { parseCertificates } from './pem';

/** A certificate chain and its key, checked and ready for a TLS server. */
export interface ServerCredentials {
  cert: Buffer;
  key: Buffer;
  leaf: X509Certificate;
  notAfter: Date;
  /** SHA-256 of the leaf, as `AB:CD:…`: what clients confirm on first use. */
  fingerprint: string;
}

export interface CredentialFiles {
  cert: string;
  key: string;
  /** The settings' names for messages, e.g. `fileserver.tls`. */
  setting: string;
}

const FIX_CHAIN =
  'put the whole chain in the certificate file, leaf first, then each issuing CA up to and including the root (e.g. cat server.pem intermediate.pem root.pem > fullchain.pem)';

function refuse(files: CredentialFiles, problem: string): never {
  throw new ConfigError('ERR_TLS_CERTIFICATE', `${files.setting}: ${problem}`);
}

function readPem(files: CredentialFiles, which: 'cert' | 'key'): Buffer {
  const path = files[which];
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return refuse(files, `${which} file ${path} (${files.setting}.${which}) cannot be read (${code}): check the path and that this service's user may read it`);
  }
}

function describe(cert: X509Certificate): string {
  return `'${cert.subject.replace(/\n/g, ', ')}'`;
}

const isSelfSigned = (cert: X509Certificate) => cert.checkIssued(cert) && cert.verify(cert.publicKey);
const issuedBy = (cert: X509Certificate, issuer: X509Certificate) => cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

let wellKnownRoots: X509Certificate[] | undefined;

/** Whether a root Node trusts by default (Mozilla's list) signed this certificate: a public CA. */
function issuedByWellKnownRoot(cert: X509Certificate): boolean {
  wellKnownRoots ??= rootCertificates.map((pem) => new X509Certificate(pem));
  return wellKnownRoots.some((root) => issuedBy(cert, root));
}

function checkValidity(files: CredentialFiles, certs: readonly X509Certificate[], now: Date): void {
  for (const cert of certs) {
    const from = new Date(cert.validFrom);
    const to = new Date(cert.validTo);
    if (now < from)
      refuse(files, `certificate ${describe(cert)} in ${files.cert} is not valid yet: valid from ${from.toISOString()} (check this host's clock)`);
    if (now > to) refuse(files, `certificate ${describe(cert)} in ${files.cert} expired on ${to.toISOString()}: renew it`);
  }
}

/**
 * The seed's rule: a certificate from a well-known CA may come with its intermediates only, but
 * one from a private CA must carry the chain all the way to its root, in order.
 */
function checkChain(files: CredentialFiles, certs: readonly X509Certificate[]): void {
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!issuedBy(certs[i], certs[i + 1]))
      refuse(
        files,
        `certificate ${i + 2} in ${files.cert} (${describe(certs[i + 1])}) did not issue certificate ${i + 1} (${describe(certs[i])}): ${FIX_CHAIN}`,
      );
  }
  const top = certs[certs.length - 1];
  if (isSelfSigned(top) || issuedByWellKnownRoot(top)) return;
  refuse(
    files,
    `certificate ${describe(top)} in ${files.cert} is issued by '${top.issuer.replace(/\n/g, ', ')}', which is not a well-known CA, and the file does not contain the chain up to its root: ${FIX_CHAIN}`,
  );
}

function parseKey(files: CredentialFiles, pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    // The parser's own message may quote the file; the operator needs only what to do.
    return refuse(files, `key file ${files.key} does not hold an unencrypted PEM private key (${files.setting}.key)`);
  }
}

/** Reads and checks a certificate chain and key; refuses with a message saying what to fix. */
export function loadServerCredentials(files: CredentialFiles, now = new Date()): ServerCredentials {
  const cert = readPem(files, 'cert');
  const key = readPem(files, 'key');
  const certs = parseCertificates(cert);
  if (certs === undefined) refuse(files, `certificate file ${files.cert} holds a PEM block that is not a valid certificate`);
  if (certs.length === 0) refuse(files, `certificate file ${files.cert} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  const [leaf] = certs;
  if (!leaf.checkPrivateKey(parseKey(files, key)))
    refuse(files, `the key in ${files.key} does not match the certificate ${describe(leaf)} in ${files.cert}: use the key the certificate was issued for`);
  checkValidity(files, certs, now);
  checkChain(files, certs);
  return { cert, key, leaf, notAfter: new Date(leaf.validTo), fingerprint: leaf.fingerprint256 };
}
