import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import bcrypt from 'bcryptjs';

const N = 2 ** 15;
const R = 8;
const P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const MAX_N = 2 ** 17;
const MAX_R = 16;
// scrypt needs 128 * N * r bytes plus overhead; Node's 32 MiB default rejects N=2^15, r=8.
const maxmemFor = (n: number, r: number) => 128 * n * r * 2;

const SCRYPT_FORMAT = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;
const BCRYPT_FORMAT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

function scryptAsync(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))));
}

/** Encodes as `$scrypt$N=..,r=..,p=..$<salt b64>$<hash b64>` so parameters can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(password, salt, KEY_BYTES, { N, r: R, p: P, maxmem: maxmemFor(N, R) });
  return `$scrypt$N=${N},r=${R},p=${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Accepts our scrypt encoding and bcrypt (ClearML's hashed fixed users); false for anything else. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  if (BCRYPT_FORMAT.test(encoded)) return bcrypt.compare(password, encoded);
  const match = SCRYPT_FORMAT.exec(encoded);
  if (!match) return false;
  const [n, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // A tampered record must not be able to make a login allocate unbounded memory.
  if (n < 2 || n > MAX_N || (n & (n - 1)) !== 0 || r < 1 || r > MAX_R || p < 1 || p > 16) return false;
  const salt = Buffer.from(match[4], 'base64');
  const expected = Buffer.from(match[5], 'base64');
  if (expected.length === 0) return false;
  try {
    const actual = await scryptAsync(password, salt, expected.length, { N: n, r, p, maxmem: maxmemFor(n, r) });
    return timingSafeEqual(actual, expected);
  } catch {
    return false;
  }
}
