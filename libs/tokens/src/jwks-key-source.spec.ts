import { WardenError } from '@warden/errors';
import { JwksKeySource } from './jwks-key-source';
import { startJwksServer, testKey, type JwksServer } from './testing';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('JwksKeySource against a local JWKS endpoint', () => {
  const first = testKey('ES256');
  const second = testKey('RS256');
  let server: JwksServer;

  beforeEach(async () => {
    server = await startJwksServer({ keys: [first.publicJwk] });
  });
  afterEach(() => server.close());

  it('fetches once and answers from cache within the TTL', async () => {
    const source = new JwksKeySource({ url: server.url });
    for (let i = 0; i < 20; i++) expect((await source.get(first.kid))?.alg).toBe('ES256');
    expect(server.requests()).toBe(1);
  });

  it('refetches after the TTL', async () => {
    const source = new JwksKeySource({ url: server.url, cacheTtlMs: 50, minRefreshIntervalMs: 0 });
    await source.get(first.kid);
    await sleep(60);
    await source.get(first.kid);
    expect(server.requests()).toBe(2);
  });

  it('refreshes on an unknown kid, finding a key added since', async () => {
    const source = new JwksKeySource({ url: server.url, minRefreshIntervalMs: 0 });
    await source.get(first.kid);
    server.setJwks({ keys: [first.publicJwk, second.publicJwk] });
    const key = await source.get(second.kid);
    expect(key).toMatchObject({ kid: second.kid, alg: 'RS256' });
    expect(server.requests()).toBe(2);
  });

  it('fetches at most once per minRefreshIntervalMs when hammered with unknown kids', async () => {
    const source = new JwksKeySource({ url: server.url, minRefreshIntervalMs: 300 });
    await source.get(first.kid);
    const unknown = Array.from({ length: 200 }, (_, i) => source.get(`random-${i}`));
    expect((await Promise.all(unknown)).every((key) => key === undefined)).toBe(true);
    for (let i = 0; i < 50; i++) await source.get(`more-${i}`);
    expect(server.requests()).toBe(1);

    await sleep(320);
    await Promise.all(Array.from({ length: 50 }, (_, i) => source.get(`later-${i}`)));
    expect(server.requests()).toBe(2);
  });

  it('lets concurrent first lookups share one fetch', async () => {
    const source = new JwksKeySource({ url: server.url });
    const keys = await Promise.all(Array.from({ length: 20 }, () => source.get(first.kid)));
    expect(keys.every((key) => key?.kid === first.kid)).toBe(true);
    expect(server.requests()).toBe(1);
  });

  it('keeps the last good keys when the endpoint goes away', async () => {
    const source = new JwksKeySource({ url: server.url, cacheTtlMs: 10, minRefreshIntervalMs: 0, timeoutMs: 500 });
    await source.get(first.kid);
    await server.close();
    await sleep(20);
    expect((await source.get(first.kid))?.kid).toBe(first.kid);
    server = await startJwksServer({ keys: [] });
  });

  it('answers unavailable when it never got keys', async () => {
    const url = server.url;
    await server.close();
    const source = new JwksKeySource({ url, timeoutMs: 500 });
    const error = await source.get(first.kid).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WardenError);
    expect((error as WardenError).code).toBe('ERR_SERVICE_UNAVAILABLE');
    server = await startJwksServer({ keys: [] });
  });

  it('skips entries that are not usable public signing keys', async () => {
    const privateJwk = { ...first.privateKey.export({ format: 'jwk' }), kid: 'leaked', alg: 'ES256', use: 'sig' };
    const mislabelled = { ...second.publicJwk, kid: 'mislabelled', alg: 'ES256' };
    server.setJwks({ keys: [second.publicJwk, privateJwk, mislabelled, { kid: 'hmac', kty: 'oct', k: 'c2VjcmV0', alg: 'HS256' }] as never });
    const source = new JwksKeySource({ url: server.url, minRefreshIntervalMs: 0 });
    expect(await source.get(second.kid)).toBeDefined();
    for (const kid of ['leaked', 'mislabelled', 'hmac']) expect(await source.get(kid)).toBeUndefined();
  });
});
