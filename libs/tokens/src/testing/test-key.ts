import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { TokenAlgorithm } from '../claims';
import { jwkThumbprint, publicJwkFor, type PublicJwk } from '../jwk';

export interface TestKey {
  kid: string;
  alg: TokenAlgorithm;
  privateKey: KeyObject;
  publicJwk: PublicJwk;
}

/** A fresh key pair named as the gateway names its keys; verify-side tests use it since tokens cannot mint. */
export function testKey(alg: TokenAlgorithm): TestKey {
  const { privateKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = jwkThumbprint(privateKey);
  return { kid, alg, privateKey, publicJwk: publicJwkFor(privateKey, kid) };
}
