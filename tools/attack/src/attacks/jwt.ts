// Forged and mangled tokens, each tried at the apiserver, the fileserver and the gateway. Tokens
// with hostile claims are signed with the gateway's real key (the suite configured it), so that
// each one is refused for the claim it breaks, not for its signature; two controls show that a
// re-signed genuine token is accepted.
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { encodeSegment, forgeToken } from '@warden/tokens/testing';
import { bearer, call, send, type Answer } from '../http';
import { rememberToken } from '../leaks';
import type { Expect } from '../report';
import type { World } from '../world';

type Claims = Record<string, unknown>;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same 64 signature bytes spelled differently: the last character's 4 unused bits flipped. */
function respelled(signature: string): string {
  const last = BASE64URL.indexOf(signature.slice(-1));
  return `${signature.slice(0, -1)}${BASE64URL[(last & 0b110000) | ((last & 0b1111) ^ 0b1111)]}`;
}
const decode = (segment: string): Claims => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
const nowSec = () => Math.floor(Date.now() / 1000);

const MALFORMED: Expect = { status: 401, code: 'ERR_JWT_MALFORMED' };
const ALG: Expect = { status: 401, code: 'ERR_JWT_ALG_NOT_ALLOWED' };
const KID: Expect = { status: 401, code: 'ERR_JWKS_NO_MATCHING_KEY' };
const SIGNATURE: Expect = { status: 401, code: 'ERR_JWS_SIGNATURE_INVALID' };
const CLAIM: Expect = { status: 401, code: 'ERR_JWT_CLAIM_INVALID' };
// Issue 10 (11): a token whose typ is not JWT, or that names critical extensions, is refused.
const TYP: Expect = { status: 401, code: 'ERR_JWT_TYPE_INVALID' };
const CRIT: Expect = { status: 401, code: 'ERR_JWS_CRIT_UNSUPPORTED' };
const OK: Expect = { status: 200 };

/** ES256 in DER instead of the raw r‖s a JWS carries (RFC 7518 §3.4): one encoding only. */
function derSigned(header: Claims, payload: Claims, key: KeyObject): string {
  const input = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'der' }).toString('base64url')}`;
}

interface Forged {
  name: string;
  token: string;
  expect: Expect;
}

function forgeries(w: World): Forged[] {
  const genuine = w.a.user.token;
  const [h, p, s] = genuine.split('.');
  const header = decode(h);
  const claims = decode(p);
  const key = w.stack.signingKey;
  const publicPem = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  const attackerEc = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const attackerRsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const es = (extra: Claims = {}) => ({ alg: 'ES256', kid: header.kid, typ: 'JWT', ...extra });
  const signed = (payload: Claims, hdr: Claims = es()) => forgeToken({ header: hdr, payload, key });
  const withClaims = (change: Claims) => signed({ ...claims, ...change });
  const identity = claims.identity as Claims;
  const tenantB = { ...identity, company: w.b.company, company_name: 'attack tenant B' };
  const t = nowSec();

  return [
    { name: 'genuine token (control)', token: genuine, expect: OK },
    { name: 'genuine claims re-signed by the suite (control)', token: signed(claims), expect: OK },
    { name: 'alg none, no signature', token: forgeToken({ header: { alg: 'none', typ: 'JWT' }, payload: claims }), expect: ALG },
    { name: 'alg none with the kid', token: forgeToken({ header: { alg: 'none', kid: header.kid, typ: 'JWT' }, payload: claims }), expect: ALG },
    { name: 'alg NONE, genuine signature kept', token: `${encodeSegment({ ...header, alg: 'NONE' })}.${p}.${s}`, expect: ALG },
    {
      name: 'HS256 keyed with the public key PEM',
      token: forgeToken({ header: { alg: 'HS256', kid: header.kid, typ: 'JWT' }, payload: claims, key: publicPem }),
      expect: ALG,
    },
    {
      name: 'HS256 keyed with the public JWK',
      token: forgeToken({
        header: { alg: 'HS256', kid: header.kid, typ: 'JWT' },
        payload: claims,
        key: JSON.stringify(createPublicKey(key).export({ format: 'jwk' })),
      }),
      expect: ALG,
    },
    {
      name: 'RS256 header on the ES256 kid, attacker RSA key',
      token: forgeToken({ header: { alg: 'RS256', kid: header.kid, typ: 'JWT' }, payload: claims, key: attackerRsa }),
      expect: ALG,
    },
    { name: 'alg ES512', token: `${encodeSegment({ ...header, alg: 'ES512' })}.${p}.${s}`, expect: ALG },
    {
      name: 'duplicate alg keys, last one none',
      token: `${Buffer.from(`{"alg":"ES256","kid":"${header.kid}","alg":"none"}`).toString('base64url')}.${p}.`,
      expect: ALG,
    },
    { name: 'unknown kid, attacker EC key', token: forgeToken({ header: es({ kid: 'attacker-key-1' }), payload: claims, key: attackerEc }), expect: KID },
    { name: 'no kid', token: forgeToken({ header: { alg: 'ES256', typ: 'JWT' }, payload: claims, key }), expect: KID },
    { name: 'kid path traversal', token: forgeToken({ header: es({ kid: '../../../../dev/null' }), payload: claims, key: attackerEc }), expect: KID },
    { name: 'kid not a string', token: forgeToken({ header: es({ kid: { $ne: '' } }), payload: claims, key: attackerEc }), expect: KID },
    {
      name: 'embedded jwk header with attacker key',
      token: forgeToken({ header: es({ kid: 'attacker', jwk: createPublicKey(attackerEc).export({ format: 'jwk' }) }), payload: claims, key: attackerEc }),
      expect: KID,
    },
    {
      name: 'jku pointing elsewhere, attacker key',
      token: forgeToken({ header: es({ kid: 'attacker', jku: 'http://127.0.0.1:1/jwks.json' }), payload: claims, key: attackerEc }),
      expect: KID,
    },
    { name: 'right kid, attacker EC signature', token: forgeToken({ header: es(), payload: claims, key: attackerEc }), expect: SIGNATURE },
    { name: 'DER-encoded ES256 signature (real key)', token: derSigned(es(), claims, key), expect: SIGNATURE },
    { name: 'genuine signature with its unused bits set', token: `${h}.${p}.${respelled(s)}`, expect: SIGNATURE },
    { name: 'zero signature (64 bytes)', token: `${h}.${p}.${Buffer.alloc(64).toString('base64url')}`, expect: SIGNATURE },
    { name: 'typ at+jwt (real key)', token: signed(claims, es({ typ: 'at+jwt' })), expect: TYP },
    { name: 'typ JWS (real key)', token: signed(claims, es({ typ: 'JWS' })), expect: TYP },
    { name: 'no typ (real key)', token: signed(claims, { alg: 'ES256', kid: header.kid }), expect: TYP },
    { name: 'crit ["exp"] (real key)', token: signed(claims, es({ crit: ['exp'] })), expect: CRIT },
    { name: 'crit with an unknown extension (real key)', token: signed(claims, es({ crit: ['x-attack'], 'x-attack': true })), expect: CRIT },
    {
      name: 'expired an hour ago (real key)',
      token: withClaims({ iat: t - 7200, nbf: t - 7200, exp: t - 3600 }),
      expect: { status: 401, code: 'ERR_JWT_EXPIRED' },
    },
    { name: 'not valid for an hour (real key)', token: withClaims({ nbf: t + 3600 }), expect: { status: 401, code: 'ERR_JWT_NOT_YET_VALID' } },
    { name: 'issued in the future (real key)', token: withClaims({ iat: t + 3600 }), expect: { status: 401, code: 'ERR_JWT_NOT_YET_VALID' } },
    { name: 'other issuer (real key)', token: withClaims({ iss: 'https://evil.example' }), expect: { status: 401, code: 'ERR_JWT_ISSUER_INVALID' } },
    { name: 'other audience (real key)', token: withClaims({ aud: 'clearml-elsewhere' }), expect: { status: 401, code: 'ERR_JWT_AUDIENCE_INVALID' } },
    { name: 'exp as a string (real key)', token: withClaims({ exp: String(t + 3600) }), expect: CLAIM },
    { name: 'no exp (real key)', token: withClaims({ exp: undefined }), expect: CLAIM },
    { name: 'role superuser (real key)', token: withClaims({ identity: { ...identity, role: 'superuser' } }), expect: CLAIM },
    { name: 'sub differs from identity.user (real key)', token: withClaims({ sub: w.b.user.id }), expect: CLAIM },
    { name: 'truncated by 10 characters', token: genuine.slice(0, -10), expect: SIGNATURE },
    { name: 'signature removed', token: `${h}.${p}.`, expect: SIGNATURE },
    { name: 'two segments', token: `${h}.${p}`, expect: MALFORMED },
    { name: 'four segments', token: `${genuine}.${s}`, expect: MALFORMED },
    { name: 'not base64url', token: `${h}.${p}!.${s}`, expect: MALFORMED },
    { name: 'header not JSON', token: `${Buffer.from('{alg:ES256').toString('base64url')}.${p}.${s}`, expect: MALFORMED },
    { name: 'payload a JSON array', token: `${h}.${encodeSegment([claims])}.${s}`, expect: MALFORMED },
    { name: '15,000 characters of junk', token: 'A'.repeat(15_000), expect: MALFORMED },
    { name: 'payload altered: role admin', token: `${h}.${encodeSegment({ ...claims, identity: { ...identity, role: 'admin' } })}.${s}`, expect: SIGNATURE },
    { name: 'payload altered: company B', token: `${h}.${encodeSegment({ ...claims, identity: tenantB })}.${s}`, expect: SIGNATURE },
    { name: 'payload altered: exp +1 year', token: `${h}.${encodeSegment({ ...claims, exp: (claims.exp as number) + 31_536_000 })}.${s}`, expect: SIGNATURE },
    { name: "B's signature on A's claims", token: `${h}.${p}.${w.b.user.token.split('.')[2]}`, expect: SIGNATURE },
  ];
}

/** Where a token is tried: one authenticated read per service. */
function targets(w: World): { name: string; send: (token: string) => Promise<Answer> }[] {
  return [
    { name: 'apiserver', send: (token) => call(w.stack.api, 'projects.get_all', token) },
    { name: 'fileserver', send: (token) => send(w.stack.files, { method: 'GET', path: `/${w.objectsA.file}`, headers: bearer(token) }) },
    { name: 'gateway', send: (token) => call(w.stack.gateway, 'users.get_current_user', token) },
  ];
}

export async function jwtAttacks(w: World): Promise<void> {
  w.report.section('jwt');
  const all = forgeries(w);
  for (const f of all) rememberToken(f.token);
  for (const target of targets(w)) {
    for (const f of all) w.report.answer(`${target.name}: ${f.name}`, f.expect, await target.send(f.token));
  }
}
