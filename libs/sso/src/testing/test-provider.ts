import { createHash, createHmac, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';

/** How the next ID token is bent, for the hostile table; the provider is honest otherwise. */
export interface IdTokenTamper {
  claims?: Record<string, unknown>;
  /** Claims to drop from the token. */
  omit?: string[];
  header?: Record<string, unknown>;
  /** none: unsigned; hs256: signed with the client secret; foreign: a key the JWKS does not hold (same kid). */
  sign?: 'none' | 'hs256' | 'foreign';
}

export interface TestUser {
  sub: string;
  claims: Record<string, unknown>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  nonce?: string;
  challenge?: string;
  method?: string;
  user: TestUser;
  sid: string;
}

/**
 * A small OpenID Connect provider of our own over node:http and node:crypto, on loopback: discovery,
 * JWKS, an authorize endpoint that signs in `user` at once, a token endpoint that checks the client
 * secret, the redirect URI, PKCE and single use of codes, userinfo and end-session. Tokens are signed
 * with jsonwebtoken under an RS256 or ES256 key; `tamper` bends the next ID token.
 */
export class TestProvider {
  readonly clientId: string;
  readonly clientSecret = randomBytes(24).toString('base64url');
  user: TestUser = { sub: 'user-1', claims: {} };
  tamper?: IdTokenTamper;
  /** Delays every answer (a slow provider). */
  delayMs = 0;
  /** Answer userinfo with a non-JSON body (a broken provider). */
  userinfoGarbage = false;
  /** Claims userinfo answers over the user's own (another sub: a confused provider). */
  userinfoOverride?: Record<string, unknown>;
  /** Leave the ID token out of the token answer. */
  omitIdToken = false;
  readonly endSessions: URLSearchParams[] = [];
  /** The provider session (sid) and ID token of the last token answer. */
  lastSid?: string;
  lastIdToken?: string;
  readonly userinfoCalls: string[] = [];
  /** Every authorization code handed out (a secret scan looks for them). */
  readonly issuedCodes: string[] = [];
  private key: { kid: string; privateKey: KeyObject; publicKey: KeyObject; alg: 'RS256' | 'ES256' };
  private readonly codes = new Map<string, PendingCode>();
  private readonly accessTokens = new Map<string, TestUser>();
  private server?: Server;
  url = '';

  constructor(options: { clientId?: string; alg?: 'RS256' | 'ES256' } = {}) {
    this.clientId = options.clientId ?? 'warden';
    this.key = newKey(options.alg ?? 'RS256');
  }

  get issuer(): string {
    return this.url;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      setTimeout(() => void this.handle(req, res).catch(() => res.destroy()), this.delayMs);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/realms/test`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A new signing key (the old one leaves the JWKS): a provider's key rotation. */
  rotateKey(): void {
    this.key = newKey(this.key.alg);
  }

  sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
    return jwt.sign(claims, this.key.privateKey, { algorithm: this.key.alg, keyid: this.key.kid, header: { alg: this.key.alg, typ: 'JWT', ...header } });
  }

  /** A back-channel logout token for a session (sid) and/or a subject. */
  logoutToken(input: { sid?: string; sub?: string; claims?: Record<string, unknown>; omitEvents?: boolean }): string {
    const now = Math.floor(Date.now() / 1000);
    return this.sign(
      {
        iss: this.issuer,
        aud: this.clientId,
        iat: now,
        exp: now + 120,
        jti: randomUUID(),
        ...(input.sid && { sid: input.sid }),
        ...(input.sub && { sub: input.sub }),
        ...(!input.omitEvents && { events: { 'http://schemas.openid.net/event/backchannel-logout': {} } }),
        ...input.claims,
      },
      { typ: 'logout+jwt' },
    );
  }

  /** The ID token claims of a sign-in, before any tamper. */
  idClaims(user: TestUser, nonce: string | undefined, sid: string): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return { iss: this.issuer, sub: user.sub, aud: this.clientId, iat: now, exp: now + 300, auth_time: now, sid, ...(nonce && { nonce }), ...user.claims };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://provider');
    const path = url.pathname.replace('/realms/test', '');
    if (path === '/.well-known/openid-configuration') return json(res, 200, this.discovery());
    if (path === '/jwks')
      return json(res, 200, { keys: [{ ...this.key.publicKey.export({ format: 'jwk' }), kid: this.key.kid, use: 'sig', alg: this.key.alg }] });
    if (path === '/authorize') return this.authorize(url, res);
    if (path === '/token' && req.method === 'POST') return this.token(req, await readBody(req), res);
    if (path === '/userinfo') return this.userinfo(req, res);
    if (path === '/logout') {
      this.endSessions.push(url.searchParams);
      return json(res, 200, {});
    }
    json(res, 404, { error: 'not_found' });
  }

  private discovery() {
    return {
      issuer: this.issuer,
      authorization_endpoint: `${this.url}/authorize`,
      token_endpoint: `${this.url}/token`,
      jwks_uri: `${this.url}/jwks`,
      userinfo_endpoint: `${this.url}/userinfo`,
      end_session_endpoint: `${this.url}/logout`,
      id_token_signing_alg_values_supported: [this.key.alg],
      code_challenge_methods_supported: ['S256', 'plain'],
    };
  }

  private authorize(url: URL, res: ServerResponse): void {
    const q = url.searchParams;
    const redirect = new URL(q.get('redirect_uri') ?? '');
    const code = randomBytes(24).toString('base64url');
    this.issuedCodes.push(code);
    this.codes.set(code, {
      clientId: q.get('client_id') ?? '',
      redirectUri: q.get('redirect_uri') ?? '',
      nonce: q.get('nonce') ?? undefined,
      challenge: q.get('code_challenge') ?? undefined,
      method: q.get('code_challenge_method') ?? undefined,
      user: this.user,
      sid: randomUUID(),
    });
    redirect.searchParams.set('code', code);
    redirect.searchParams.set('state', q.get('state') ?? '');
    res.writeHead(302, { Location: redirect.toString() }).end();
  }

  private token(req: IncomingMessage, body: string, res: ServerResponse): void {
    const form = new URLSearchParams(body);
    const [id, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
      .toString()
      .split(':')
      .map(decodeURIComponent);
    if (id !== this.clientId || secret !== this.clientSecret) return json(res, 401, { error: 'invalid_client' });
    const code = form.get('code') ?? '';
    const pending = this.codes.get(code);
    this.codes.delete(code);
    if (!pending || pending.clientId !== id || pending.redirectUri !== form.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant' });
    if (pending.challenge && !pkceMatches(pending, form.get('code_verifier') ?? ''))
      return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
    const accessToken = this.sign({
      iss: this.issuer,
      sub: pending.user.sub,
      aud: 'account',
      azp: this.clientId,
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 300,
      ...pending.user.claims,
    });
    this.accessTokens.set(accessToken, pending.user);
    const idToken = this.omitIdToken ? undefined : this.idToken(pending);
    this.lastSid = pending.sid;
    this.lastIdToken = idToken;
    json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, id_token: idToken });
  }

  private idToken(pending: PendingCode): string {
    const tamper = this.tamper;
    this.tamper = undefined;
    const claims = { ...this.idClaims(pending.user, pending.nonce, pending.sid), ...tamper?.claims };
    for (const name of tamper?.omit ?? []) delete claims[name];
    if (tamper?.sign === 'none') return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    if (tamper?.sign === 'hs256') {
      const head = `${b64({ alg: 'HS256', typ: 'JWT', kid: this.key.kid })}.${b64(claims)}`;
      return `${head}.${createHmac('sha256', this.clientSecret).update(head).digest('base64url')}`;
    }
    if (tamper?.sign === 'foreign') {
      const foreign = newKey(this.key.alg);
      return jwt.sign(claims, foreign.privateKey, { algorithm: this.key.alg, keyid: this.key.kid });
    }
    return this.sign(claims, tamper?.header);
  }

  private userinfo(req: IncomingMessage, res: ServerResponse): void {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const user = this.accessTokens.get(token);
    if (!user) return json(res, 401, { error: 'invalid_token' });
    this.userinfoCalls.push(user.sub);
    if (this.userinfoGarbage) return void res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>oops</html>');
    json(res, 200, { sub: user.sub, ...user.claims, ...this.userinfoOverride });
  }
}

function newKey(alg: 'RS256' | 'ES256') {
  const pair = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid: randomBytes(8).toString('hex'), alg, ...pair };
}

function pkceMatches(pending: PendingCode, verifier: string): boolean {
  const computed = pending.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return computed === pending.challenge;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
