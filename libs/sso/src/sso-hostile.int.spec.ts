import { randomBytes } from 'node:crypto';
import { IdentityStore } from '@warden/identity';
import { ProviderSet, TestBrowser, loginError, startSsoHarness, waitForDiscovery, type BrowserAnswer, type IdTokenTamper, type SsoHarness } from './testing';

// Integration tier: every row is an attack on, or a failure of, the sign-in; each must end on the
// login page with its own code, set no session cookie, write no user and never answer 500.
const db = `warden_int_sso_hostile_${process.pid}_${Date.now()}`;
const COMPANY = randomBytes(16).toString('hex');

const providers = new ProviderSet();
const { kc, other, strict, info, slow } = providers;

let h: SsoHarness;
let store: IdentityStore;
let n = 0;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  await providers.start();
  h = await startSsoHarness('ssohostile', db, [
    { name: 'keycloak', provider: kc, defaultCompany: COMPANY },
    { name: 'other', provider: other },
    {
      name: 'strict',
      provider: strict,
      defaultCompany: COMPANY,
      config: { require_email_verified: true, groups: { enabled: true, prohibit_user_signup_if_not_in_group: true } },
    },
    ...providers.commonEntries(COMPANY),
  ]);
  store = new IdentityStore({ connection: h.gateway.backends.mongo!.connection, credentialPepper: h.secrets.tokenSecret });
  await store.ensureCompany({ id: COMPANY, name: 'Acme' });
  await waitForDiscovery(h, 6);
}, 60_000);

afterAll(async () => {
  await store?.close();
  await h?.close();
  await providers.stop();
});

beforeEach(() => {
  for (const p of providers.all) p.user = { sub: `hostile-${++n}`, claims: { email: `h${n}@example.com`, email_verified: true } };
});

/** Counts what a refused sign-in must not have written. */
async function written(): Promise<number> {
  const conn = h.gateway.backends.mongo!.connection;
  const [users, links] = await Promise.all([conn.collection('users').countDocuments(), conn.collection('sso_links').countDocuments()]);
  return users + links;
}

const withTamper = (tamper: IdTokenTamper) => async () => {
  kc.tamper = tamper;
  return new TestBrowser(h.url).signIn('keycloak');
};

/** A callback of a real sign-in, with its query bent before it is sent. */
const bentCallback =
  (bend: (q: URLSearchParams) => void, provider = 'keycloak') =>
  async () => {
    const browser = new TestBrowser(h.url);
    const callback = await browser.toCallback(provider);
    bend(callback.searchParams);
    return browser.get(`${callback.pathname}?${callback.searchParams.toString()}`);
  };

const startWith = (path: string) => () => new TestBrowser(h.url).get(path);

/** `mark` says where the attack begins, after any legitimate sign-in it builds on has written its user. */
type Attempt = (mark: () => Promise<void>) => Promise<BrowserAnswer>;

const rows: [string, Attempt, string][] = [
  ['ID token with alg none', withTamper({ sign: 'none' }), 'ERR_SSO_TOKEN_UNSIGNED'],
  ['ID token HS256-signed with the client secret', withTamper({ sign: 'hs256' }), 'ERR_SSO_TOKEN_ALG'],
  ['ID token signed by a key the JWKS lacks, under a published kid', withTamper({ sign: 'foreign' }), 'ERR_SSO_TOKEN_SIGNATURE'],
  ['ID token naming an unknown kid', withTamper({ header: { kid: 'no-such-key' } }), 'ERR_SSO_TOKEN_KID'],
  ['ID token from another issuer', withTamper({ claims: { iss: 'https://evil.example/realms/test' } }), 'ERR_SSO_TOKEN_ISSUER'],
  ['ID token for another client', withTamper({ claims: { aud: 'someone-else' } }), 'ERR_SSO_TOKEN_AUDIENCE'],
  ['ID token with an extra audience and no azp', withTamper({ claims: { aud: ['warden', 'someone-else'] } }), 'ERR_SSO_TOKEN_AZP'],
  ['expired ID token', withTamper({ claims: { exp: now() - 3600 } }), 'ERR_SSO_TOKEN_EXPIRED'],
  ['ID token issued in the future', withTamper({ claims: { iat: now() + 3600 } }), 'ERR_SSO_TOKEN_IAT'],
  ['ID token with another nonce', withTamper({ claims: { nonce: 'replayed-from-another-sign-in' } }), 'ERR_SSO_TOKEN_NONCE'],
  ['ID token without sub', withTamper({ omit: ['sub'] }), 'ERR_SSO_TOKEN_CLAIM'],
  ['callback without state', bentCallback((q) => q.delete('state')), 'ERR_SSO_STATE_MISSING'],
  ['callback with a forged state', bentCallback((q) => q.set('state', randomBytes(32).toString('base64url'))), 'ERR_SSO_STATE_UNKNOWN'],
  [
    'callback replayed (same state and code twice)',
    async (mark) => {
      const browser = new TestBrowser(h.url);
      const callback = await browser.toCallback('keycloak');
      const first = await browser.get(`${callback.pathname}${callback.search}`);
      expect(first.status).toBe(303);
      expect(loginError(first)).toBeNull();
      await mark();
      return browser.get(`${callback.pathname}${callback.search}`);
    },
    'ERR_SSO_STATE_REPLAYED',
  ],
  [
    "another browser's state (login CSRF)",
    async () => {
      const victim = new TestBrowser(h.url);
      const attacker = new TestBrowser(h.url);
      const callback = await attacker.toCallback('keycloak');
      await victim.get('/login/sso/keycloak');
      return victim.get(`${callback.pathname}${callback.search}`);
    },
    'ERR_SSO_STATE_FOREIGN',
  ],
  [
    'authorization code replayed into a new sign-in',
    async (mark) => {
      const first = new TestBrowser(h.url);
      const used = await first.toCallback('keycloak');
      expect(loginError(await first.get(`${used.pathname}${used.search}`))).toBeNull();
      await mark();
      const browser = new TestBrowser(h.url);
      const fresh = await browser.toCallback('keycloak');
      fresh.searchParams.set('code', used.searchParams.get('code')!);
      return browser.get(`${fresh.pathname}?${fresh.searchParams.toString()}`);
    },
    'ERR_SSO_CODE_REJECTED',
  ],
  [
    "a code issued to another sign-in's PKCE challenge (code injection)",
    async () => {
      const attacker = new TestBrowser(h.url);
      const stolen = await attacker.toCallback('keycloak');
      const victim = new TestBrowser(h.url);
      const own = await victim.toCallback('keycloak');
      own.searchParams.set('code', stolen.searchParams.get('code')!);
      return victim.get(`${own.pathname}?${own.searchParams.toString()}`);
    },
    'ERR_SSO_PKCE_REJECTED',
  ],
  [
    "mix-up: provider A's response at provider B's callback",
    async () => {
      const browser = new TestBrowser(h.url);
      const fromA = await browser.toCallback('other');
      return browser.get(`/callback_keycloak${fromA.search}`);
    },
    'ERR_SSO_STATE_PROVIDER',
  ],
  ['response naming another issuer (RFC 9207 iss)', bentCallback((q) => q.set('iss', other.issuer)), 'ERR_SSO_ISSUER_MISMATCH'],
  ['denied consent (error=access_denied)', bentCallback((q) => (q.delete('code'), q.set('error', 'access_denied'))), 'ERR_SSO_ACCESS_DENIED'],
  ['provider error (error=server_error)', bentCallback((q) => (q.delete('code'), q.set('error', 'server_error'))), 'ERR_SSO_PROVIDER_ERROR'],
  ['callback without code', bentCallback((q) => q.delete('code')), 'ERR_SSO_CODE_MISSING'],
  ['oversized code', bentCallback((q) => q.set('code', 'x'.repeat(5000))), 'ERR_SSO_PARAMETER_TOO_LONG'],
  ['repeated state parameter', bentCallback((q) => q.append('state', 'second')), 'ERR_SSO_PARAMETER_INVALID'],
  ['return path //evil.example', startWith('/login/sso/keycloak?next=//evil.example'), 'ERR_SSO_RETURN_PATH'],
  ['return path /\\evil.example', startWith(`/login/sso/keycloak?next=${encodeURIComponent('/\\evil.example')}`), 'ERR_SSO_RETURN_PATH'],
  ['return path https:evil.example', startWith('/login/sso/keycloak?next=https:evil.example'), 'ERR_SSO_RETURN_PATH'],
  ['return path https://evil.example', startWith(`/login/sso/keycloak?next=${encodeURIComponent('https://evil.example/x')}`), 'ERR_SSO_RETURN_PATH'],
  [
    'return path /%2F%2Fevil.example (double-encoded slashes)',
    startWith(`/login/sso/keycloak?next=${encodeURIComponent('/%2F%2Fevil.example')}`),
    'ERR_SSO_RETURN_PATH',
  ],
  ['return path /%5Cevil.example (encoded backslash)', startWith(`/login/sso/keycloak?next=${encodeURIComponent('/%5Cevil.example')}`), 'ERR_SSO_RETURN_PATH'],
  ['return path with a tab (/\\t/evil.example)', startWith(`/login/sso/keycloak?next=${encodeURIComponent('/\t/evil.example')}`), 'ERR_SSO_RETURN_PATH'],
  ['return path javascript:alert(1)', startWith('/login/sso/keycloak?next=javascript:alert(1)'), 'ERR_SSO_RETURN_PATH'],
  ['oversized return path', startWith(`/login/sso/keycloak?next=/${'a'.repeat(3000)}`), 'ERR_SSO_PARAMETER_TOO_LONG'],
  ['start with a smuggled code', startWith('/login/sso/keycloak?code=abc'), 'ERR_SSO_PARAMETER_INVALID'],
  ['unknown provider', startWith('/login/sso/nosuch'), 'ERR_SSO_PROVIDER_UNKNOWN'],
  ['provider down (discovery failing)', startWith('/login/sso/down'), 'ERR_SSO_PROVIDER_UNAVAILABLE'],
  [
    'provider too slow (token endpoint past timeout_sec)',
    async () => {
      const browser = new TestBrowser(h.url);
      const callback = await browser.toCallback('slow');
      slow.delayMs = 1500;
      try {
        return await browser.get(`${callback.pathname}${callback.search}`);
      } finally {
        slow.delayMs = 0;
      }
    },
    'ERR_SSO_PROVIDER_TIMEOUT',
  ],
  ['wrong client secret', () => new TestBrowser(h.url).signIn('badsecret'), 'ERR_SSO_CLIENT_REJECTED'],
  [
    'token answer without an ID token',
    async () => {
      kc.omitIdToken = true;
      try {
        return await new TestBrowser(h.url).signIn('keycloak');
      } finally {
        kc.omitIdToken = false;
      }
    },
    'ERR_SSO_TOKEN_MISSING',
  ],
  [
    'userinfo about another subject',
    async () => {
      info.userinfoOverride = { sub: 'someone-else' };
      try {
        return await new TestBrowser(h.url).signIn('info');
      } finally {
        info.userinfoOverride = undefined;
      }
    },
    'ERR_SSO_USERINFO_SUBJECT',
  ],
  [
    'userinfo answering HTML (passport-openidconnect 0.1.2 would crash on this)',
    async () => {
      info.userinfoGarbage = true;
      try {
        return await new TestBrowser(h.url).signIn('info');
      } finally {
        info.userinfoGarbage = false;
      }
    },
    'ERR_SSO_PROVIDER_RESPONSE',
  ],
  [
    'unverified email where the provider requires it',
    async () => {
      strict.user = { sub: `unverified-${++n}`, claims: { email: `u${n}@example.com`, email_verified: false, groups: ['x'] } };
      return new TestBrowser(h.url).signIn('strict');
    },
    'ERR_SSO_EMAIL_UNVERIFIED',
  ],
  ['no matching group with prohibit_user_signup_if_not_in_group', async () => new TestBrowser(h.url).signIn('strict'), 'ERR_SSO_NOT_IN_GROUP'],
  ['unknown user at a provider without default_company', () => new TestBrowser(h.url).signIn('other'), 'ERR_SSO_SIGNUP_NOT_ALLOWED'],
];

describe('sso hostile table', () => {
  it('has at least 25 rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(25);
  });

  it.each(rows)('refuses %s', async (_name, attempt, code) => {
    let before = await written();
    const answer = await attempt(async () => {
      before = await written();
    });
    expect(answer.status).toBe(303);
    expect(loginError(answer)).toBe(code);
    expect(answer.cookies['clearml_token_basic']).toBeUndefined();
    expect(await written()).toBe(before);
  });

  it('refuses a disabled Warden user, writing nothing', async () => {
    const first = await new TestBrowser(h.url).signIn('keycloak');
    expect(loginError(first)).toBeNull();
    const res = await fetch(`${h.url}/users.get_current_user`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${first.cookies['clearml_token_basic']}` },
    });
    const { id } = ((await res.json()) as { data: { user: { id: string } } }).data.user;
    await store.setUserEnabled(id, false);
    const before = await written();
    const again = await new TestBrowser(h.url).signIn('keycloak');
    expect(loginError(again)).toBe('ERR_USER_DISABLED');
    expect(await written()).toBe(before);
  });

  it('never logs a token, a code or the client secret', () => {
    const text = h.gateway.logs.text;
    expect(text).not.toContain(kc.clientSecret);
    expect(text).not.toMatch(/eyJ[\w-]{10,}\.eyJ/);
  });
});
