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

/**
 * Key exchange groups, preferred first: X25519 is the cheapest forward-secret exchange and every
 * modern client offers it; P-256 and P-384 for clients that only do NIST curves (FIPS builds).
 * Node's default ("auto") also accepts P-521 and X448, slower and needed by no client.
 */
export const ECDH_CURVES = 'X25519:P-256:P-384';

/** A peer that opens a connection and never finishes its handshake holds a socket this long at most. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The context options, for the first context and every reloaded one (setSecureContext starts from nothing). */
export function secureContextOptions(cert: Buffer, key: Buffer): SecureContextOptions {
  return { cert, key, minVersion: MIN_TLS_VERSION, ciphers: MODERN_CIPHERS, ecdhCurve: ECDH_CURVES, honorCipherOrder: true };
}

export function serverTlsOptions(cert: Buffer, key: Buffer): TlsOptions {
  return { ...secureContextOptions(cert, key), handshakeTimeout: HANDSHAKE_TIMEOUT_MS };
}
