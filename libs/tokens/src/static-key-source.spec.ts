import { createPublicKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticKeySource } from './static-key-source';
import { testKey, type TestKey } from './testing';

const dir = mkdtempSync(join(tmpdir(), 'warden-tokens-'));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
const publicPem = (key: TestKey) => createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' }).toString();

describe('StaticKeySource', () => {
  const ec = testKey('ES256');
  const rsa = testKey('RS256');

  it('reads a JWKS file', async () => {
    const source = StaticKeySource.fromFile(file('jwks.json', JSON.stringify({ keys: [ec.publicJwk, rsa.publicJwk] })));
    expect(await source.get(ec.kid)).toMatchObject({ alg: 'ES256' });
    expect(await source.get(rsa.kid)).toMatchObject({ alg: 'RS256' });
  });

  it('reads PEM public keys, kid = thumbprint, as the gateway names them', async () => {
    const source = StaticKeySource.fromFile(file('keys.pem', `${publicPem(ec)}\n${publicPem(rsa)}`));
    expect(await source.get(ec.kid)).toMatchObject({ kid: ec.kid, alg: 'ES256' });
    expect(await source.get(rsa.kid)).toMatchObject({ kid: rsa.kid, alg: 'RS256' });
  });

  it('refuses a private key, an empty file and broken JSON without echoing them', () => {
    const pem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => StaticKeySource.fromFile(file('private.pem', pem))).toThrow(/holds a private key/);
    expect(() => StaticKeySource.fromFile(file('empty.pem', ''))).toThrow(/no usable/);
    const broken = '{"keys": [secret';
    expect(() => StaticKeySource.fromFile(file('broken.json', broken))).toThrow(/not valid JSON/);
    try {
      StaticKeySource.fromFile(file('private2.pem', pem));
    } catch (error) {
      expect((error as Error).message).not.toContain(pem.split('\n')[1]);
    }
  });
});
