import { X509Certificate } from 'node:crypto';

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM file, in file order; undefined when one block does not parse. */
export function parseCertificates(pem: Buffer | string): X509Certificate[] | undefined {
  const blocks = pem.toString('latin1').match(CERTIFICATE_BLOCK) ?? [];
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch {
    return undefined;
  }
}
