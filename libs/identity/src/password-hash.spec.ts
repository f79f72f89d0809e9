import bcrypt from 'bcryptjs';
import { hashPassword, verifyPassword } from './password-hash';

describe('hashPassword / verifyPassword', () => {
  it('round-trips a password through the scrypt encoding', async () => {
    const encoded = await hashPassword('correct horse battery staple');
    expect(encoded).toMatch(/^\$scrypt\$N=32768,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(encoded).not.toContain('correct horse');
    await expect(verifyPassword('correct horse battery staple', encoded)).resolves.toBe(true);
  });

  it('salts each hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('rejects a wrong password', async () => {
    const encoded = await hashPassword('right');
    await expect(verifyPassword('wrong', encoded)).resolves.toBe(false);
    await expect(verifyPassword('', encoded)).resolves.toBe(false);
  });

  it('accepts bcrypt hashes made by bcryptjs ($2a$, $2b$) and ClearML-style $2y$', async () => {
    const hash2b = await bcrypt.hash('fixed-user-pass', 4);
    // The variants differ only in how old implementations handled non-ASCII; same digest for ASCII.
    const hash2a = hash2b.replace(/^\$2b\$/, '$2a$');
    await expect(verifyPassword('fixed-user-pass', hash2b)).resolves.toBe(true);
    await expect(verifyPassword('fixed-user-pass', hash2a)).resolves.toBe(true);
    await expect(verifyPassword('fixed-user-pass', hash2b.replace(/^\$2b\$/, '$2y$'))).resolves.toBe(true);
    await expect(verifyPassword('other', hash2b)).resolves.toBe(false);
  });

  it('returns false for unknown or tampered formats', async () => {
    await expect(verifyPassword('x', 'x')).resolves.toBe(false);
    await expect(verifyPassword('x', '')).resolves.toBe(false);
    await expect(verifyPassword('x', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA')).resolves.toBe(false);
    const encoded = await hashPassword('x');
    await expect(verifyPassword('x', encoded.replace('N=32768', 'N=1073741824'))).resolves.toBe(false);
    await expect(verifyPassword('x', encoded.replace('N=32768', 'N=1000'))).resolves.toBe(false);
    await expect(verifyPassword('x', encoded.replace('r=8', 'r=64'))).resolves.toBe(false);
  });
});
