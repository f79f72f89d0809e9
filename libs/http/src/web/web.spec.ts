import express from 'express';
import request from 'supertest';
import { WardenError } from '@warden/errors';
import type { TokenClaims } from '@warden/tokens';
import { corsPolicy } from './cors';
import { csrfTokenFor } from './csrf';
import { basicCredentials } from './request-token';
import { tokenAuthenticator } from './token-authenticator';

const KEY = 'session-secret-for-tests-0123456789-0123456789-0123';
const claims = { session_id: 'session-1', auth: { method: 'password' } } as TokenClaims;
const mustChange = { session_id: 'session-3', auth: { method: 'password', password_change_required: true } } as TokenClaims;
const tokens: Record<string, TokenClaims> = { good: claims, 'must-change': mustChange };

function app() {
  const authenticate = tokenAuthenticator({
    verifier: { verify: async (token) => tokens[token] ?? Promise.reject(new WardenError('ERR_JWS_SIGNATURE_INVALID')) },
    cookieNames: ['clearml_token_basic'],
    csrfKey: KEY,
    csrfExempt: (req) => req.path === '/read',
    passwordChangeCalls: (req) => req.path === '/optional',
  });
  const a = express();
  a.use(corsPolicy(['https://ui.example.org']));
  a.all(['/write', '/read', '/optional'], async (req, res) => {
    try {
      const auth = await authenticate(req, req.path === '/optional' ? 'optional' : 'token');
      res.json({ via: auth?.via ?? null });
    } catch (error) {
      const e = error as WardenError;
      res.status(e.status).json({ code: e.code });
    }
  });
  a.use((error: WardenError, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(error.status).json({ code: error.code });
  });
  return a;
}

describe('request authentication', () => {
  it.each([
    ['a bearer header', { Authorization: 'Bearer good' }, '/write', 200, { via: 'header' }],
    ['no credentials', {}, '/write', 401, { code: 'ERR_UNAUTHORIZED' }],
    ['no credentials on an optional endpoint', {}, '/optional', 200, { via: null }],
    ['a bad token on an optional endpoint', { Authorization: 'Bearer bad' }, '/optional', 401, { code: 'ERR_JWS_SIGNATURE_INVALID' }],
    ['Basic where a token is needed', { Authorization: 'Basic YTpi' }, '/write', 401, { code: 'ERR_BAD_AUTH_SCHEME' }],
    ['a bearer header with two values', { Authorization: 'Bearer a b' }, '/write', 401, { code: 'ERR_MALFORMED_CREDENTIALS' }],
    ['a cookie without the CSRF header', { Cookie: 'clearml_token_basic=good' }, '/write', 403, { code: 'ERR_CSRF' }],
    [
      "a cookie with another session's CSRF token",
      { Cookie: 'clearml_token_basic=good', 'X-CSRF-Token': csrfTokenFor('session-2', KEY) },
      '/write',
      403,
      { code: 'ERR_CSRF' },
    ],
    [
      'a cookie with a CSRF token under another key',
      { Cookie: 'clearml_token_basic=good', 'X-CSRF-Token': csrfTokenFor('session-1', `${KEY}x`) },
      '/write',
      403,
      { code: 'ERR_CSRF' },
    ],
    [
      "a cookie with this session's CSRF token",
      { Cookie: 'clearml_token_basic=good', 'X-CSRF-Token': csrfTokenFor('session-1', KEY) },
      '/write',
      200,
      { via: 'cookie' },
    ],
    ['a cookie on a read-only endpoint', { Cookie: 'other=1; clearml_token_basic=good' }, '/read', 200, { via: 'cookie' }],
    ['a token that must change its password, elsewhere', { Authorization: 'Bearer must-change' }, '/read', 403, { code: 'ERR_PASSWORD_CHANGE_REQUIRED' }],
    ['a token that must change its password, on a call it may make', { Authorization: 'Bearer must-change' }, '/optional', 200, { via: 'header' }],
  ])('%s', async (_label, headers, path, status, body) => {
    const res = await request(app())
      .post(path)
      .set(headers as Record<string, string>);
    expect([res.status, res.body]).toEqual([status, body]);
  });

  it('reads Basic credentials and refuses a malformed pair', () => {
    const req = (value: string) => ({ get: () => value }) as unknown as express.Request;
    expect(basicCredentials(req(`Basic ${Buffer.from('KEY:se:cret').toString('base64')}`))).toEqual({ id: 'KEY', secret: 'se:cret' });
    expect(() => basicCredentials(req(`Basic ${Buffer.from('nocolon').toString('base64')}`))).toThrow(
      expect.objectContaining({ code: 'ERR_MALFORMED_CREDENTIALS' }),
    );
    expect(basicCredentials(req('Bearer x'))).toBeUndefined();
  });
});

describe('CORS', () => {
  it('is closed to origins that are not listed, and never answers with a wildcard', async () => {
    const res = await request(app()).post('/read').set('Origin', 'https://evil.example').set('Authorization', 'Bearer good');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await request(app()).options('/write').set('Origin', 'https://evil.example');
    expect([preflight.status, preflight.body.code]).toEqual([403, 'ERR_ORIGIN_NOT_ALLOWED']);
  });

  it('echoes a listed origin with credentials and answers its preflight', async () => {
    const preflight = await request(app()).options('/write').set('Origin', 'https://ui.example.org').set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://ui.example.org');
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(preflight.headers['access-control-allow-headers']).toContain('X-CSRF-Token');
  });
});
