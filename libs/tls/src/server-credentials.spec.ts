import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@warden/config';
import { loadServerCredentials } from './server-credentials';
import { TestPki } from './testing';

describe('loadServerCredentials', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = new TestPki();
  });
  afterAll(() => pki.cleanup());

  const load = (cert: string, key: string) => loadServerCredentials({ cert, key, setting: 'fileserver.tls' });
  const refusal = (cert: string, key: string): ConfigError => {
    try {
      load(cert, key);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('ERR_TLS_CERTIFICATE');
      return error as ConfigError;
    }
    throw new Error('the pair was accepted');
  };

  it('accepts a private-CA leaf with its whole chain up to the root', () => {
    const leaf = pki.leaf('full', { dns: ['warden.internal'] });
    const credentials = load(pki.fullChain(leaf, 'full-chain.pem'), leaf.keyFile);
    expect(credentials.leaf.subject).toBe('CN=warden.internal');
    expect(credentials.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(credentials.cert.toString()).toContain(pki.root.cert.trim());
  });

  it('accepts a self-signed certificate (a root of its own)', () => {
    expect(load(pki.root.certFile, pki.root.keyFile).leaf.subject).toContain('Root CA');
  });

  it('refuses a private-CA leaf alone, naming its issuer and how to build the chain', () => {
    const leaf = pki.leaf('alone');
    const error = refusal(leaf.certFile, leaf.keyFile);
    expect(error.message).toContain("issued by 'CN=Warden Test Intermediate CA', which is not a well-known CA");
    expect(error.message).toContain('cat server.pem intermediate.pem root.pem > fullchain.pem');
    expect(error.message).toMatch(/^fileserver\.tls: /);
  });

  it('refuses a chain that stops at the intermediate of a private CA', () => {
    const leaf = pki.leaf('half');
    const error = refusal(pki.write('half-chain.pem', leaf.cert, pki.intermediate.cert), leaf.keyFile);
    expect(error.message).toContain("'CN=Warden Test Intermediate CA' in");
    expect(error.message).toContain("issued by 'CN=Warden Test Root CA', which is not a well-known CA");
  });

  it('refuses a chain in the wrong order', () => {
    const leaf = pki.leaf('order');
    const error = refusal(pki.write('wrong-order.pem', leaf.cert, pki.root.cert, pki.intermediate.cert), leaf.keyFile);
    expect(error.message).toContain('certificate 2 in');
    expect(error.message).toContain('did not issue certificate 1');
  });

  it('refuses a key that does not belong to the certificate', () => {
    const leaf = pki.leaf('mine');
    const other = pki.leaf('other');
    const error = refusal(pki.fullChain(leaf, 'mine-chain.pem'), other.keyFile);
    expect(error.message).toContain(`the key in ${other.keyFile} does not match the certificate 'CN=localhost'`);
    expect(error.message).not.toContain('PRIVATE KEY');
  });

  it('refuses an expired certificate with its end date', () => {
    const leaf = pki.leaf('expired', { fromDays: -30, toDays: -2 });
    const error = refusal(pki.fullChain(leaf, 'expired-chain.pem'), leaf.keyFile);
    expect(error.message).toMatch(/certificate 'CN=localhost' in .* expired on \d{4}-\d\d-\d\dT.*: renew it/);
  });

  it('refuses a certificate that is not valid yet', () => {
    const leaf = pki.leaf('future', { fromDays: 2, toDays: 30 });
    const error = refusal(pki.fullChain(leaf, 'future-chain.pem'), leaf.keyFile);
    expect(error.message).toMatch(/is not valid yet: valid from .*check this host's clock/);
  });

  it('refuses unreadable and missing files, naming the setting', () => {
    const leaf = pki.leaf('locked');
    const missing = join(pki.dir, 'nowhere.pem');
    expect(refusal(missing, leaf.keyFile).message).toContain(`cert file ${missing} (fileserver.tls.cert) cannot be read (ENOENT)`);
    const locked = pki.write('locked.key', leaf.key);
    chmodSync(locked, 0o000);
    // root reads anything: the case only means something for an unprivileged user.
    if (process.getuid?.() !== 0)
      expect(refusal(pki.fullChain(leaf, 'locked-chain.pem'), locked).message).toContain('(fileserver.tls.key) cannot be read (EACCES)');
  });

  it('refuses files that hold no certificate or no key', () => {
    const leaf = pki.leaf('empty');
    expect(refusal(pki.write('empty.pem', 'hello\n'), leaf.keyFile).message).toContain('holds no PEM certificate');
    const broken = pki.write('broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect(refusal(broken, leaf.keyFile).message).toContain('not a valid certificate');
    const notKey = pki.write('not-a-key.pem', readFileSync(leaf.certFile, 'utf8'));
    expect(refusal(pki.fullChain(leaf, 'nokey-chain.pem'), notKey).message).toContain('does not hold an unencrypted PEM private key');
  });
});
