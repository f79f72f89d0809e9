import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import request from 'supertest';
import { forwardCalls } from './forward-calls';
import {
  FORWARDED_CLIENT_HEADER,
  FORWARDED_CLIENT_VALIDITY_MS,
  forwardingKey,
  signForwardedClient,
  trustForwardedClient,
  verifyForwardedClient,
} from './forwarded-client';

const SECRET = randomBytes(40).toString('base64url');
const key = forwardingKey(SECRET);

/** An app that answers with the address it believes and the headers it received. */
function target(secret: string | undefined, trustProxy: string[] | false = false): Express {
  const app = express();
  app.set('trust proxy', trustProxy);
  app.use(trustForwardedClient(secret));
  app.all('/{*path}', (req, res) => res.json({ ip: req.ip, headers: req.headers }));
  return app;
}

describe('signed forwarded client address', () => {
  it('round-trips an IPv4 and an IPv6 address', () => {
    for (const address of ['203.0.113.9', '2001:db8::7']) expect(verifyForwardedClient(key, signForwardedClient(key, address))).toBe(address);
  });

  it('refuses another key, a changed address, a stale or future stamp, and junk', () => {
    const now = Date.now();
    const signed = signForwardedClient(key, '203.0.113.9', now);
    const [version, , stamp, mac] = signed.split(';');
    expect(verifyForwardedClient(forwardingKey(SECRET + 'x'), signed, now)).toBeUndefined();
    expect(verifyForwardedClient(key, [version, '203.0.113.10', stamp, mac].join(';'), now)).toBeUndefined();
    expect(verifyForwardedClient(key, signed, now + FORWARDED_CLIENT_VALIDITY_MS + 1)).toBeUndefined();
    expect(verifyForwardedClient(key, signed, now - FORWARDED_CLIENT_VALIDITY_MS - 1)).toBeUndefined();
    expect(verifyForwardedClient(key, signed, now + FORWARDED_CLIENT_VALIDITY_MS)).toBe('203.0.113.9');
    for (const junk of [
      undefined,
      '',
      'v1;203.0.113.9',
      `${signed};x`,
      signed.replace('v1', 'v2'),
      ['a', 'b'],
      `v1;not-an-ip;${stamp};${mac}`,
      'x'.repeat(500),
    ]) {
      expect(verifyForwardedClient(key, junk, now)).toBeUndefined();
    }
  });

  it('makes req.ip the vouched-for address only when the header verifies', async () => {
    const app = target(SECRET);
    const signed = await request(app).get('/').set(FORWARDED_CLIENT_HEADER, signForwardedClient(key, '198.51.100.4'));
    expect(signed.body.ip).toBe('198.51.100.4');
    const forged = await request(app)
      .get('/')
      .set(FORWARDED_CLIENT_HEADER, signForwardedClient(forwardingKey('guessed'), '198.51.100.4'));
    expect(forged.body.ip).toMatch(/127\.0\.0\.1|::1/);
    const noSecret = await request(target(undefined)).get('/').set(FORWARDED_CLIENT_HEADER, signForwardedClient(key, '198.51.100.4'));
    expect(noSecret.body.ip).toMatch(/127\.0\.0\.1|::1/);
  });
});

describe('forwardCalls and client addresses', () => {
  let upstream: Server;
  let upstreamUrl: string;

  beforeAll(async () => {
    upstream = target(SECRET).listen(0, '127.0.0.1');
    await new Promise((r) => upstream.once('listening', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((r) => upstream.close(r)));

  const proxy = (options: { clientSecret?: string; trustProxy?: string[] }) => {
    const app = express();
    app.set('trust proxy', options.trustProxy ?? false);
    app.use(forwardCalls({ target: upstreamUrl, paths: /^\/auth\./, clientSecret: options.clientSecret }));
    return app;
  };

  it("passes the caller's socket address signed, never the client's own forwarding headers", async () => {
    const res = await request(proxy({ clientSecret: SECRET }))
      .post('/auth.login')
      .set('X-Forwarded-For', '192.0.2.66')
      .set('Forwarded', 'for=192.0.2.67')
      .set('X-Real-IP', '192.0.2.68')
      .set(FORWARDED_CLIENT_HEADER, signForwardedClient(forwardingKey('guessed'), '192.0.2.69'));
    expect(res.body.ip).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
    expect(res.body.headers['x-forwarded-for']).toBe(res.body.ip);
    expect(verifyForwardedClient(key, res.body.headers[FORWARDED_CLIENT_HEADER])).toBe(res.body.ip);
    expect(JSON.stringify(res.body.headers)).not.toMatch(/192\.0\.2\.6\d/);
  });

  it("resolves the caller through this service's own trusted proxies", async () => {
    const res = await request(proxy({ clientSecret: SECRET, trustProxy: ['127.0.0.1', '::1'] }))
      .post('/auth.login')
      .set('X-Forwarded-For', '192.0.2.66');
    // The target trusts no proxy: the address reached it through the signed header alone.
    expect(res.body.ip).toBe('192.0.2.66');
  });

  it('sends no signed header without a secret, so the target keeps the socket address', async () => {
    const res = await request(proxy({})).post('/auth.login').set('X-Forwarded-For', '192.0.2.66');
    expect(res.body.headers[FORWARDED_CLIENT_HEADER]).toBeUndefined();
    expect(res.body.ip).toMatch(/127\.0\.0\.1|::1/);
  });
});
