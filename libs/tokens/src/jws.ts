import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { TokenAlgorithm } from './claims';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export interface JwsParts {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Splits a compact JWS; undefined when it is not three base64url parts with JSON-object header and payload. */
export function parseJws(token: string): JwsParts | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [headerPart, payloadPart, signaturePart] = parts;
  // Buffer's base64url decoder skips characters it does not know, so the alphabet is checked first.
  if (!headerPart || !payloadPart || !BASE64URL.test(headerPart) || !BASE64URL.test(payloadPart) || !BASE64URL.test(signaturePart)) return undefined;
  const header = decodeJsonObject(headerPart);
  const payload = decodeJsonObject(payloadPart);
  if (!header || !payload) return undefined;
  return { header, payload, signingInput: `${headerPart}.${payloadPart}`, signature: Buffer.from(signaturePart, 'base64url') };
}

/** ES256 signatures in a JWS are raw r‖s (RFC 7518 §3.4), not DER. */
export function signatureValid(alg: TokenAlgorithm, key: KeyObject, signingInput: string, signature: Buffer): boolean {
  if (signature.length === 0) return false;
  try {
    const data = Buffer.from(signingInput);
    return alg === 'ES256'
      ? signature.length === 64 && cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature)
      : cryptoVerify('sha256', data, key, signature);
  } catch {
    return false;
  }
}
