import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { algorithmForKey, jwkThumbprint, publicJwkFor, type PublicJwk, type TokenAlgorithm } from '@warden/tokens';

export interface SigningKey {
  kid: string;
  alg: TokenAlgorithm;
  privateKey: KeyObject;
  publicJwk: PublicJwk;
  createdAt: Date;
  retiredAt?: Date;
}

export interface StoredSigningKey {
  kid: string;
  alg: TokenAlgorithm;
  privateKeyPem: string;
  createdAt: Date;
  retiredAt?: Date;
}

function fromPrivateKey(privateKey: KeyObject, createdAt: Date, retiredAt?: Date): SigningKey {
  const alg = algorithmForKey(privateKey);
  const kid = jwkThumbprint(privateKey);
  return { kid, alg, privateKey, publicJwk: publicJwkFor(privateKey, kid), createdAt, ...(retiredAt && { retiredAt }) };
}

export function generateSigningKey(alg: TokenAlgorithm, now: Date = new Date()): SigningKey {
  const { privateKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return fromPrivateKey(privateKey, now);
}

export function signingKeyFromPem(pem: string, createdAt: Date = new Date()): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    // Node's own message is safe, but saying nothing about the input keeps that true whatever it becomes.
    throw new Error('signing key is not a readable PEM private key');
  }
  return fromPrivateKey(privateKey, createdAt);
}

export function toStoredKey(key: SigningKey): StoredSigningKey {
  const privateKeyPem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { kid: key.kid, alg: key.alg, privateKeyPem, createdAt: key.createdAt, ...(key.retiredAt && { retiredAt: key.retiredAt }) };
}

export function fromStoredKey(stored: StoredSigningKey): SigningKey {
  const key = signingKeyFromPem(stored.privateKeyPem, stored.createdAt);
  // A store row whose kid or alg disagrees with its key was edited or corrupted; signing with it would publish a lie.
  if (key.kid !== stored.kid || key.alg !== stored.alg) throw new Error(`stored signing key ${stored.kid} does not match its private key`);
  return stored.retiredAt ? { ...key, retiredAt: stored.retiredAt } : key;
}
