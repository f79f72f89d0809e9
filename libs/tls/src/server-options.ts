import type { SecureContextOptions, TlsOptions } from 'node:tls';

/**
 * TLS 1.2 at least, and for 1.2 only forward-secret AEAD suites (Mozilla's "intermediate" list);
 * TLS 1.3's suites are all modern. The server's order wins so clients cannot pick the weakest.
 */
export const MODERN_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export const MIN_TLS_VERSION = 'TLSv1.2';

/** A peer that opens a connection and never finishes its handshake holds a socket this long at most. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The context options, for the first context and every reloaded one (setSecureContext starts from nothing). */
export function secureContextOptions(cert: Buffer, key: Buffer): SecureContextOptions {
  return { cert, key, minVersion: MIN_TLS_VERSION, ciphers: MODERN_CIPHERS, honorCipherOrder: true };
}

export function serverTlsOptions(cert: Buffer, key: Buffer): TlsOptions {
  return { ...secureContextOptions(cert, key), handshakeTimeout: HANDSHAKE_TIMEOUT_MS };
}
