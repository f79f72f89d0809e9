import type { TokenAlgorithm } from './claims';

/** The one `typ` Warden issues and accepts (RFC 8725 §3.11): other JWT kinds must not pass for ours. */
export const TOKEN_TYPE = 'JWT';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The header of a compact JWS, NOT verified: only for choosing the key and refusing early. Undefined
 * when the token is not three base64url parts with a JSON-object header. The payload is left to the
 * verifying library, which decodes it anyway: claims come only from there.
 */
export function unverifiedHeader(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [headerPart, payloadPart, signaturePart] = parts;
  // Buffer's base64url decoder skips characters it does not know, so the alphabet is checked first.
  if (!headerPart || !payloadPart || !BASE64URL.test(headerPart) || !BASE64URL.test(payloadPart) || !BASE64URL.test(signaturePart)) return undefined;
  return decodeJsonObject(headerPart);
}

/** Whether the payload of a token that passed unverifiedHeader is a JSON object; for telling a malformed token apart. */
export function payloadIsObject(token: string): boolean {
  return decodeJsonObject(token.split('.')[1]) !== undefined;
}

const ES256_SIGNATURE_BYTES = 64;

/**
 * One spelling per signature: base64url without padding bits set (decoders ignore them, so one
 * signature would have 16 token strings) and, for ES256, raw r‖s (RFC 7518 §3.4), never DER.
 */
export function signatureEncodingValid(alg: TokenAlgorithm, token: string): boolean {
  const encoded = token.slice(token.lastIndexOf('.') + 1);
  const bytes = Buffer.from(encoded, 'base64url');
  if (bytes.length === 0 || bytes.toString('base64url') !== encoded) return false;
  return alg !== 'ES256' || bytes.length === ES256_SIGNATURE_BYTES;
}
