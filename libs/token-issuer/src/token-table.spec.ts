import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { isWardenError, type ErrorCode } from '@warden/errors';
import type { TokenClaims, TokenVerifier } from '@warden/tokens';
import { FakeRevocations, alterPayload, forgeToken } from '@warden/tokens/testing';
import { generateSigningKey, type SigningKey } from './signing-key';
import { createTokenTestKit, type TokenTestKit } from './testing';

interface Ctx {
  kit: TokenTestKit;
  key: SigningKey;
  claims: TokenClaims;
  valid: string;
  header: Record<string, unknown>;
  /** A well-signed token with the given claim changes: each row changes one thing. */
  signed(change: (claims: Record<string, unknown>) => Record<string, unknown>): string;
}

const without = (name: string) => (claims: Record<string, unknown>) => {
  const copy = { ...claims };
  delete copy[name];
  return copy;
};
const withIdentity = (change: Record<string, unknown>) => (claims: Record<string, unknown>) => ({
  ...claims,
  identity: { ...(claims.identity as object), ...change },
});

// Each row: a token an attacker (or a bug) could present, and the one code it must be refused with.
const rows: Array<[string, ErrorCode | 'accepted', (c: Ctx) => string]> = [
  ['a valid token', 'accepted', (c) => c.valid],
  ['an audience list that includes ours', 'accepted', (c) => c.signed((p) => ({ ...p, aud: ['fileserver', 'apiserver'] }))],
  ['expired, but within the 30 s leeway', 'accepted', (c) => c.signed((p) => ({ ...p, exp: Math.floor(c.kit.clock.now() / 1000) - 20 }))],
  ['alg: none, unsigned', 'ERR_JWT_ALG_NOT_ALLOWED', (c) => forgeToken({ header: { ...c.header, alg: 'none' }, payload: { ...c.claims } })],
  ['alg: None, unsigned', 'ERR_JWT_ALG_NOT_ALLOWED', (c) => forgeToken({ header: { ...c.header, alg: 'None' }, payload: { ...c.claims } })],
  [
    'HS256 keyed with the public key as PEM',
    'ERR_JWT_ALG_NOT_ALLOWED',
    (c) => forgeToken({ header: { ...c.header, alg: 'HS256' }, payload: { ...c.claims }, key: publicPem(c.key) }),
  ],
  [
    'HS256 keyed with the public key as JWK',
    'ERR_JWT_ALG_NOT_ALLOWED',
    (c) => forgeToken({ header: { ...c.header, alg: 'HS256' }, payload: { ...c.claims }, key: JSON.stringify(c.key.publicJwk) }),
  ],
  [
    'RS256 header on an ES256 key',
    'ERR_JWT_ALG_NOT_ALLOWED',
    (c) => forgeToken({ header: { ...c.header, alg: 'RS256' }, payload: { ...c.claims }, key: rsaKey() }),
  ],
  ['missing alg', 'ERR_JWT_ALG_NOT_ALLOWED', (c) => forgeToken({ header: { kid: c.key.kid }, payload: { ...c.claims }, key: c.key.privateKey })],
  ['expired beyond the leeway', 'ERR_JWT_EXPIRED', (c) => c.signed((p) => ({ ...p, exp: Math.floor(c.kit.clock.now() / 1000) - 31 }))],
  ['nbf in the future', 'ERR_JWT_NOT_YET_VALID', (c) => c.signed((p) => ({ ...p, nbf: Math.floor(c.kit.clock.now() / 1000) + 120 }))],
  ['iat in the future', 'ERR_JWT_NOT_YET_VALID', (c) => c.signed((p) => ({ ...p, iat: Math.floor(c.kit.clock.now() / 1000) + 120 }))],
  ['wrong issuer', 'ERR_JWT_ISSUER_INVALID', (c) => c.signed((p) => ({ ...p, iss: 'https://evil.example' }))],
  ['no issuer', 'ERR_JWT_ISSUER_INVALID', (c) => c.signed(without('iss'))],
  ['wrong audience', 'ERR_JWT_AUDIENCE_INVALID', (c) => c.signed((p) => ({ ...p, aud: 'fileserver' }))],
  ['audience list without ours', 'ERR_JWT_AUDIENCE_INVALID', (c) => c.signed((p) => ({ ...p, aud: ['fileserver', 'webserver'] }))],
  [
    'unknown kid',
    'ERR_JWKS_NO_MATCHING_KEY',
    (c) => forgeToken({ header: { ...c.header, kid: 'not-a-kid' }, payload: { ...c.claims }, key: c.key.privateKey }),
  ],
  ['no kid', 'ERR_JWKS_NO_MATCHING_KEY', (c) => forgeToken({ header: { alg: 'ES256', typ: 'JWT' }, payload: { ...c.claims }, key: c.key.privateKey })],
  ['no typ header', 'ERR_JWT_TYPE_INVALID', (c) => forgeToken({ header: { alg: c.key.alg, kid: c.key.kid }, payload: { ...c.claims }, key: c.key.privateKey })],
  [
    'typ of another token kind (at+jwt)',
    'ERR_JWT_TYPE_INVALID',
    (c) => forgeToken({ header: { ...c.header, typ: 'at+jwt' }, payload: { ...c.claims }, key: c.key.privateKey }),
  ],
  ['typ a list', 'ERR_JWT_TYPE_INVALID', (c) => forgeToken({ header: { ...c.header, typ: ['JWT'] }, payload: { ...c.claims }, key: c.key.privateKey })],
  [
    'crit naming an extension we do not implement',
    'ERR_JWS_CRIT_UNSUPPORTED',
    (c) => forgeToken({ header: { ...c.header, crit: ['x-warden-scope'], 'x-warden-scope': 'all' }, payload: { ...c.claims }, key: c.key.privateKey }),
  ],
  [
    'crit unencoded payload (b64: false)',
    'ERR_JWS_CRIT_UNSUPPORTED',
    (c) => forgeToken({ header: { ...c.header, crit: ['b64'], b64: false }, payload: { ...c.claims }, key: c.key.privateKey }),
  ],
  ['crit an empty list', 'ERR_JWS_CRIT_UNSUPPORTED', (c) => forgeToken({ header: { ...c.header, crit: [] }, payload: { ...c.claims }, key: c.key.privateKey })],
  [
    'ES256 signature DER-encoded, by our key',
    'ERR_JWS_SIGNATURE_INVALID',
    (c) => forgeToken({ header: c.header, payload: { ...c.claims }, key: c.key.privateKey, ecdsaEncoding: 'der' }),
  ],
  ['signature with non-zero base64url padding bits', 'ERR_JWS_SIGNATURE_INVALID', (c) => withPaddingBitSet(c.valid)],
  ['payload altered, original signature', 'ERR_JWS_SIGNATURE_INVALID', (c) => alterPayload(c.valid, withIdentity({ role: 'admin' }))],
  ['signature truncated', 'ERR_JWS_SIGNATURE_INVALID', (c) => c.valid.slice(0, -4)],
  ['signature empty', 'ERR_JWS_SIGNATURE_INVALID', (c) => c.valid.slice(0, c.valid.lastIndexOf('.') + 1)],
  [
    'signed by another key under our kid',
    'ERR_JWS_SIGNATURE_INVALID',
    (c) => forgeToken({ header: c.header, payload: { ...c.claims }, key: generateSigningKey('ES256').privateKey }),
  ],
  ['two parts', 'ERR_JWT_MALFORMED', (c) => c.valid.split('.').slice(0, 2).join('.')],
  ['four parts', 'ERR_JWT_MALFORMED', (c) => `${c.valid}.AAAA`],
  ['garbage', 'ERR_JWT_MALFORMED', () => 'not a token at all'],
  ['empty string', 'ERR_JWT_MALFORMED', () => ''],
  ['header not JSON', 'ERR_JWT_MALFORMED', (c) => `${Buffer.from('{alg').toString('base64url')}.${c.valid.split('.').slice(1).join('.')}`],
  ['payload a JSON string', 'ERR_JWT_MALFORMED', (c) => `${c.valid.split('.')[0]}.${Buffer.from('"x"').toString('base64url')}.${c.valid.split('.')[2]}`],
  [
    'payload a JSON list, signed by our key',
    'ERR_JWT_MALFORMED',
    (c) => forgeToken({ header: c.header, payload: [c.claims] as unknown as Record<string, unknown>, key: c.key.privateKey }),
  ],
  ['payload not JSON', 'ERR_JWT_MALFORMED', (c) => `${c.valid.split('.')[0]}.${Buffer.from('{"sub"').toString('base64url')}.${c.valid.split('.')[2]}`],
  ['characters outside base64url', 'ERR_JWT_MALFORMED', (c) => `${c.valid.split('.')[0]}.${c.valid.split('.')[1]}+/=.${c.valid.split('.')[2]}`],
  ['missing identity', 'ERR_JWT_CLAIM_INVALID', (c) => c.signed(without('identity'))],
  ['identity without company', 'ERR_JWT_CLAIM_INVALID', (c) => c.signed(withIdentity({ company: undefined }))],
  ['identity with an unknown role', 'ERR_JWT_CLAIM_INVALID', (c) => c.signed(withIdentity({ role: 'root' }))],
  ['identity.user not the subject', 'ERR_JWT_CLAIM_INVALID', (c) => c.signed(withIdentity({ user: 'someone-else' }))],
  ['missing session_id', 'ERR_JWT_CLAIM_INVALID', (c) => c.signed(without('session_id'))],
  ['missing jti', 'ERR_JWT_CLAIM_INVALID', (c) => c.signed(without('jti'))],
  ['missing exp', 'ERR_JWT_CLAIM_INVALID', (c) => c.signed(without('exp'))],
  ['exp not a number', 'ERR_JWT_CLAIM_INVALID', (c) => c.signed((p) => ({ ...p, exp: String(p.exp) }))],
  ['missing auth', 'ERR_JWT_CLAIM_INVALID', (c) => c.signed(without('auth'))],
  [
    'password_change_required other than true',
    'ERR_JWT_CLAIM_INVALID',
    (c) => c.signed((p) => ({ ...p, auth: { method: 'password', password_change_required: 'no' } })),
  ],
  ['revoked session', 'ERR_JWT_REVOKED', (c) => c.signed((p) => ({ ...p, session_id: 'revoked-session' }))],
];

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The same signature bytes spelled differently: an 86-character ES256 signature carries 4 unused
 * bits in its last character, which lenient base64 decoders ignore.
 */
function withPaddingBitSet(token: string): string {
  const last = token.at(-1) ?? '';
  const respelled = `${token.slice(0, -1)}${BASE64URL_ALPHABET[BASE64URL_ALPHABET.indexOf(last) ^ 1]}`;
  const signature = (t: string) => Buffer.from(t.slice(t.lastIndexOf('.') + 1), 'base64url');
  if (!signature(respelled).equals(signature(token))) throw new Error('respelling changed the signature bytes');
  return respelled;
}

let rsa: KeyObject | undefined;
function rsaKey(): KeyObject {
  rsa ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return rsa;
}

function publicPem(key: SigningKey): string {
  return createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' }).toString();
}

async function outcome(verifier: TokenVerifier, token: string): Promise<{ code: ErrorCode | 'accepted'; message?: string; data?: string }> {
  try {
    await verifier.verify(token);
    return { code: 'accepted' };
  } catch (error) {
    if (!isWardenError(error)) throw error;
    return { code: error.code, message: error.message, data: JSON.stringify(error.data) };
  }
}

describe('hostile tokens', () => {
  let ctx: Ctx;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    const kit = await createTokenTestKit();
    const key = kit.keyRing.active();
    const { token, claims } = kit.issue();
    const header = { alg: key.alg, kid: key.kid, typ: 'JWT' };
    const signed = (change: (claims: Record<string, unknown>) => Record<string, unknown>) =>
      forgeToken({ header, payload: change({ ...claims }), key: key.privateKey });
    ctx = { kit, key, claims, valid: token, header, signed };
    const revocations = new FakeRevocations();
    revocations.sessions.add('revoked-session');
    verifier = kit.verifier({ revocations });
  });

  it.each(rows)('%s → %s', async (_name, expected, build) => {
    expect((await outcome(verifier, build(ctx))).code).toBe(expected);
  });

  it('puts no token, token part or key into any error', async () => {
    const privatePem = ctx.key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const secrets = [privatePem, ...privatePem.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----'))];
    let refused = 0;
    for (const [, , build] of rows) {
      const token = build(ctx);
      const { message, data } = await outcome(verifier, token);
      if (message === undefined) continue;
      refused += 1;
      const parts = token.split('.').filter((part) => part.length >= 8);
      for (const text of [message, data ?? '']) {
        for (const secret of [token, ...parts, ...secrets].filter((s) => s.length >= 8)) expect(text).not.toContain(secret);
      }
    }
    expect(refused).toBe(rows.filter(([, code]) => code !== 'accepted').length);
  });
});
