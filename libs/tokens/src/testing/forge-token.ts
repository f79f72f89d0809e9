import { createHmac, sign, type KeyObject } from 'node:crypto';

export interface ForgeInput {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /**
   * An asymmetric private key signs per header.alg (ES256/RS256); a string or Buffer is an HMAC secret
   * (HS256, as in the attack that keys HMAC with the server's public key); none leaves the signature empty.
   */
  key?: KeyObject | string | Buffer;
  /** ES256 signatures are raw r‖s in a JWS; 'der' signs the same input in the ASN.1 form other APIs use. */
  ecdsaEncoding?: 'ieee-p1363' | 'der';
}

export const encodeSegment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Builds any compact JWS, valid or hostile, without the checks a real signing library would apply. */
export function forgeToken({ header, payload, key, ecdsaEncoding = 'ieee-p1363' }: ForgeInput): string {
  const signingInput = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  return `${signingInput}.${signatureOf(signingInput, header.alg, key, ecdsaEncoding)}`;
}

function signatureOf(signingInput: string, alg: unknown, key: ForgeInput['key'], dsaEncoding: 'ieee-p1363' | 'der'): string {
  if (key === undefined) return '';
  if (typeof key === 'string' || Buffer.isBuffer(key)) return createHmac('sha256', key).update(signingInput).digest('base64url');
  const options = alg === 'ES256' ? { key, dsaEncoding } : key;
  return sign('sha256', Buffer.from(signingInput), options).toString('base64url');
}

/** The token with its payload replaced and the original signature kept, as an attacker editing claims would. */
export function alterPayload(token: string, change: (payload: Record<string, unknown>) => Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  return `${header}.${encodeSegment(change(decoded))}.${signature}`;
}
