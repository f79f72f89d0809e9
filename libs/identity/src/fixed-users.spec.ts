import bcrypt from 'bcryptjs';
import { FixedUsers } from './fixed-users';

describe('FixedUsers', () => {
  const plain = new FixedUsers({
    enabled: true,
    pass_hashed: false,
    users: [
      { username: 'Alice', password: 'alice-pass', name: 'Alice A', admin: true },
      { username: 'bob', password: 'bob-pass' },
    ],
  });

  it('authenticates plain-text users and reports name and admin', async () => {
    await expect(plain.authenticate('Alice', 'alice-pass')).resolves.toEqual({ username: 'Alice', name: 'Alice A', admin: true });
    await expect(plain.authenticate('bob', 'bob-pass')).resolves.toEqual({ username: 'bob', name: 'bob', admin: false });
  });

  it('matches the username case-insensitively, like the store', async () => {
    await expect(plain.authenticate('alice', 'alice-pass')).resolves.toMatchObject({ username: 'Alice' });
  });

  it('rejects wrong passwords, other users passwords and unknown users', async () => {
    await expect(plain.authenticate('Alice', 'alice-pas')).resolves.toBeUndefined();
    await expect(plain.authenticate('Alice', 'bob-pass')).resolves.toBeUndefined();
    await expect(plain.authenticate('carol', 'alice-pass')).resolves.toBeUndefined();
    await expect(plain.authenticate('carol', '')).resolves.toBeUndefined();
  });

  it('authenticates bcrypt-hashed users (pass_hashed)', async () => {
    const hashed = new FixedUsers({
      enabled: true,
      pass_hashed: true,
      users: [{ username: 'dan', password: await bcrypt.hash('dan-pass', 4) }],
    });
    await expect(hashed.authenticate('dan', 'dan-pass')).resolves.toEqual({ username: 'dan', name: 'dan', admin: false });
    await expect(hashed.authenticate('dan', 'nope')).resolves.toBeUndefined();
    await expect(hashed.authenticate('eve', 'dan-pass')).resolves.toBeUndefined();
  });

  it('does not treat the stored hash as a password when pass_hashed is on', async () => {
    const hash = await bcrypt.hash('dan-pass', 4);
    const hashed = new FixedUsers({ enabled: true, pass_hashed: true, users: [{ username: 'dan', password: hash }] });
    await expect(hashed.authenticate('dan', hash)).resolves.toBeUndefined();
  });

  it('authenticates nobody when turned off', async () => {
    const off = new FixedUsers({ enabled: false, pass_hashed: false, users: [{ username: 'a', password: 'p' }] });
    expect(off.enabled).toBe(false);
    await expect(off.authenticate('a', 'p')).resolves.toBeUndefined();
  });
});
