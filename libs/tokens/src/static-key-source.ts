import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { algorithmForKey, jwkThumbprint, type PublicJwk, type VerificationKey } from './jwk';
import { keysFromJwks, type KeySource } from './key-source';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Keys fixed at start-up, for air-gapped deployments where services cannot reach the gateway's JWKS. */
export class StaticKeySource implements KeySource {
  private constructor(private readonly keys: Map<string, VerificationKey>) {}

  /** A JWKS JSON file, or one or more PEM public keys (kid = RFC 7638 thumbprint). */
  static fromFile(path: string): StaticKeySource {
    const text = readFileSync(path, 'utf8');
    const keys = text.trimStart().startsWith('{') ? keysFromJwks(parseJson(text, path)) : keysFromPem(text, path);
    if (keys.size === 0) throw new Error(`${path} holds no usable ES256 or RS256 public key`);
    return new StaticKeySource(keys);
  }

  static fromJwks(jwks: { keys: PublicJwk[] }): StaticKeySource {
    return new StaticKeySource(keysFromJwks(jwks));
  }

  async get(kid: string): Promise<VerificationKey | undefined> {
    return this.keys.get(kid);
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
}

function keysFromPem(text: string, path: string): Map<string, VerificationKey> {
  const keys = new Map<string, VerificationKey>();
  for (const [block, label] of text.matchAll(PEM_BLOCK)) {
    // A private key in a file every service reads means the signing key has leaked into the wrong place.
    if (label.includes('PRIVATE')) throw new Error(`${path} holds a private key; give services the public key only`);
    const key = createPublicKey(block);
    const kid = jwkThumbprint(key);
    keys.set(kid, { kid, alg: algorithmForKey(key), key });
  }
  return keys;
}
