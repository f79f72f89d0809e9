import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WardenClient, type WardenClientOptions } from './client';
import { SdkError } from './sdk-error';
import { FakeClearml, envelope, readAll, recordingClock, sendError, sendJson, type Interceptor } from './testing';

const policy = { retries: 3, baseDelayMs: 1000, maxDelayMs: 16_000, maxElapsedMs: 120_000, jitter: 0.2 };

let fake: FakeClearml;
beforeEach(async () => {
  fake = await new FakeClearml().start();
});
afterEach(() => fake.stop());

function client(overrides: Partial<WardenClientOptions['config']> = {}, clock = recordingClock()) {
  const config = { apiHost: fake.apiHost, filesHost: fake.filesHost, accessKey: fake.accessKey, secretKey: fake.secretKey, ...overrides };
  return { clock, client: new WardenClient({ config, retry: policy, clock }) };
}

async function failure(promise: Promise<unknown>): Promise<SdkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SdkError)) throw new Error(`expected an SdkError, got ${String(error)}`);
  return error;
}

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((done) => server.once('listening', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

describe('WardenClient login and request', () => {
  it('logs in with the key pair and calls the API with the token', async () => {
    const { client: c } = client();
    await c.login();
    const data = await c.request<{ user: { name: string } }>('users.get_current_user');
    expect(data.user.name).toBe('Ada Lovelace');
    const call = fake.requests.find((r) => r.path === '/users.get_current_user')!;
    expect(call.headers.authorization).toMatch(/^Bearer tok\./);
  });

  it('logs in on first use', async () => {
    const { client: c } = client();
    await c.request('users.get_current_user');
    expect(fake.logins).toBe(1);
  });

  it('refuses bad credentials at once with the server code, without retrying', async () => {
    const { client: c, clock } = client({ secretKey: 'wrong-secret-value-123456' });
    const error = await failure(c.login());
    expect(error).toBeInstanceOf(SdkError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_CREDENTIALS', status: 401, retryable: false });
    expect(error.serverMessage).toBe('unauthorized (invalid credentials)');
    expect(error.message).toBe('login refused: invalid credentials');
    expect(clock.waits).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a 503 with backoff and then succeeds', async () => {
    fake.interceptors.push((req, res) => {
      req.resume();
      sendError(res, 503, 'ERR_SERVICE_UNAVAILABLE', 'a backing service is unavailable');
      return true;
    });
    const { client: c, clock } = client();
    await c.login();
    expect(clock.waits).toEqual([1000]);
    expect(fake.logins).toBe(1);
  });

  it('waits what Retry-After says on a 429', async () => {
    fake.interceptors.push((req, res) => {
      req.resume();
      sendError(res, 429, 'ERR_RATE_LIMITED', 'too many requests', { 'Retry-After': '7' });
      return true;
    });
    const { client: c, clock } = client();
    await c.login();
    expect(clock.waits).toEqual([7000]);
  });

  it('logs in again exactly once when the token is revoked, then retries the call', async () => {
    const { client: c } = client();
    await c.login();
    fake.tokens.clear();
    await expect(c.request('users.get_current_user')).resolves.toBeDefined();
    expect(fake.logins).toBe(2);
  });

  it('gives up on a second 401 after the fresh login', async () => {
    const { client: c } = client();
    await c.login();
    const reject: Interceptor = (req, res) => {
      req.resume();
      sendError(res, 401, 'ERR_JWT_REVOKED', 'token is blocked');
      return true;
    };
    fake.interceptors.push(reject, () => false, reject);
    const error = await failure(c.request('users.get_current_user'));
    expect(error).toMatchObject({ code: 'ERR_JWT_REVOKED', status: 401 });
    expect(fake.logins).toBe(2);
    expect(fake.requests.filter((r) => r.path === '/users.get_current_user')).toHaveLength(2);
  });

  it('gives up after the retry budget with the last failure and the retry summary', async () => {
    for (let i = 0; i < 10; i++) {
      fake.interceptors.push((req, res) => {
        req.resume();
        sendError(res, 503, 'ERR_SERVICE_UNAVAILABLE', 'a backing service is unavailable');
        return true;
      });
    }
    const { client: c, clock } = client();
    const error = await failure(c.login());
    expect(error).toMatchObject({ code: 'ERR_SERVICE_UNAVAILABLE', status: 503, attempts: 4 });
    expect(error.message).toBe('api server answered 503: a backing service is unavailable: retried 3 times over 7 s');
    expect(clock.waits).toEqual([1000, 2000, 4000]);
  });

  it('names the unreachable host and the retries spent', async () => {
    const port = await closedPort();
    const { client: c } = client({ apiHost: `http://127.0.0.1:${port}` });
    const error = await failure(c.login());
    expect(error.code).toBe('ERR_NETWORK');
    expect(error.message).toBe(`api server unreachable at http://127.0.0.1:${port} (ECONNREFUSED): retried 3 times over 7 s`);
  });

  it('scrubs the secret and the token from anything the server echoes back', async () => {
    const echo: Interceptor = async (req, res) => {
      await readAll(req);
      sendJson(
        res,
        403,
        envelope({}, 403, { result_msg: `denied for ${req.headers.authorization} / ${fake.secretKey}`, error_data: { code: 'ERR_FORBIDDEN' } }),
      );
      return true;
    };
    fake.interceptors.push(echo);
    const { client: c } = client();
    const loginError = await failure(c.login());
    const basic = Buffer.from(`${fake.accessKey}:${fake.secretKey}`).toString('base64');
    expect(loginError.message).toBe('login refused: denied for Basic [REDACTED] / [REDACTED]');
    expect(loginError.message).not.toContain(fake.secretKey);
    expect(loginError.message).not.toContain(basic);

    await c.login();
    const [token] = [...fake.tokens];
    fake.interceptors.push(echo);
    const requestError = await failure(c.request('users.get_current_user'));
    expect(requestError.message).toContain('denied for Bearer [REDACTED]');
    expect(requestError.message).not.toContain(token);
    expect(JSON.stringify(requestError)).not.toContain(token);
  });
});
