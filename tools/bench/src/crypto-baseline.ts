import { createCipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';

type Aead = CipherGCMTypes | 'chacha20-poly1305';
import { ownCpuSeconds } from './cpu-time';

// A full TLS record's plaintext: what the server encrypts and the client decrypts per record.
const RECORD_BYTES = 16 * 1024;
const SAMPLE_BYTES = 256 * 1024 * 1024;

/**
 * Bytes per CPU-second one core encrypts with a TLS AEAD, a 16 KiB record at a time through Node's
 * crypto (the same OpenSSL the TLS sockets use), with one key as a connection has: the physical
 * limit of TLS on this machine. CPU time, not wall time, so that neighbours on a shared machine do
 * not halve it.
 */
export function aeadBytesPerCpuSecond(algorithm: Aead): number {
  const key = randomBytes(algorithm === 'aes-128-gcm' ? 16 : 32);
  const record = randomBytes(RECORD_BYTES);
  // Both AEADs take a 12-byte nonce and give a 16-byte tag; the GCM overload's types cover ChaCha20's too.
  const cipher = createCipheriv(algorithm as CipherGCMTypes, key, randomBytes(12), { authTagLength: 16 });
  const started = ownCpuSeconds();
  for (let done = 0; done < SAMPLE_BYTES; done += RECORD_BYTES) cipher.update(record);
  cipher.final();
  return SAMPLE_BYTES / (ownCpuSeconds() - started);
}

export function cryptoBaseline(): Record<'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305', number> {
  return {
    'aes-128-gcm': aeadBytesPerCpuSecond('aes-128-gcm'),
    'aes-256-gcm': aeadBytesPerCpuSecond('aes-256-gcm'),
    'chacha20-poly1305': aeadBytesPerCpuSecond('chacha20-poly1305'),
  };
}
