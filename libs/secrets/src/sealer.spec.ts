import { SecretSealer } from './sealer';

describe('SecretSealer', () => {
  const sealer = new SecretSealer('a-gateway-secret-of-enough-length', 'test-purpose');

  it('opens what it sealed for the same record, and the ciphertext does not show the plain text', () => {
    const sealed = sealer.seal('client-secret-value', 'record-1');
    expect(sealed).not.toContain('client-secret-value');
    expect(sealer.open(sealed, 'record-1')).toBe('client-secret-value');
  });

  it('refuses a value moved to another record, another purpose, another secret, or altered', () => {
    const sealed = sealer.seal('client-secret-value', 'record-1');
    expect(sealer.open(sealed, 'record-2')).toBeUndefined();
    expect(new SecretSealer('a-gateway-secret-of-enough-length', 'other-purpose').open(sealed, 'record-1')).toBeUndefined();
    expect(new SecretSealer('another-gateway-secret-entirely', 'test-purpose').open(sealed, 'record-1')).toBeUndefined();
    const [iv, tag, data] = sealed.split('.');
    const flipped = Buffer.from(data, 'base64url');
    flipped[0] ^= 1;
    expect(sealer.open([iv, tag, flipped.toString('base64url')].join('.'), 'record-1')).toBeUndefined();
  });
});
