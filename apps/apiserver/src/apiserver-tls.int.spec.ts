import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { generateSecretSet } from '@warden/secrets';
import { spawnService, type SpawnedService } from '@warden/http/testing';
import { TestPki } from '@warden/tls/testing';

// Integration tier: gateway and apiserver as built, in production, talking https with a private CA.
// The gateway's certificate names only warden.internal; the apiserver reaches it at 127.0.0.1 and
// says which name to expect (tls.cert_name), as the seed's agents do with master_cert_name.
const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
const suffix = randomBytes(6).toString('hex');
const production = { ...secrets, NODE_ENV: 'production' };

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

function call(url: string, ca: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: init.method ?? 'POST',
        ca,
        servername: 'warden.internal',
        checkServerIdentity: () => undefined,
        headers: { 'content-type': 'application/json', ...init.headers },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('service-to-service over TLS with a private CA', () => {
  let pki: TestPki;
  let gateway: SpawnedService;
  const apiservers: SpawnedService[] = [];
  let keys: { access_key: string; secret_key: string };
  let gatewayEnv: Record<string, string>;

  const startApiserver = (tls: Record<string, string>) =>
    spawnService('apiserver', {
      ...production,
      CLEARML__APISERVER__LISTEN_PORT: '0',
      CLEARML__APISERVER__METRICS__ENABLED: 'false',
      CLEARML__HOSTS__MONGO__BACKEND__HOST: `mongodb://127.0.0.1:27017/warden_int_tls_${suffix}`,
      CLEARML__APISERVER__AUTH_GATEWAY__URL: `https://127.0.0.1:${gateway.port}`,
      CLEARML__APISERVER__AUTH__JWKS_URL: `https://127.0.0.1:${gateway.port}/.well-known/jwks.json`,
      ...tls,
    }).then((service) => {
      apiservers.push(service);
      return service;
    });
  const basic = () => `Basic ${Buffer.from(`${keys.access_key}:${keys.secret_key}`).toString('base64')}`;

  beforeAll(async () => {
    pki = new TestPki();
    const leaf = pki.leaf('gateway', { dns: ['warden.internal'] });
    gatewayEnv = {
      ...production,
      // Two workers: each one loads the pair and serves TLS on the port the primary shares.
      CLEARML__AUTH_GATEWAY__WORKERS: '2',
      CLEARML__AUTH_GATEWAY__LISTEN_PORT: '0',
      CLEARML__AUTH_GATEWAY__METRICS__LISTEN_PORT: '0',
      CLEARML__AUTH_GATEWAY__TLS__CERT: pki.fullChain(leaf),
      CLEARML__AUTH_GATEWAY__TLS__KEY: leaf.keyFile,
      CLEARML__HOSTS__MONGO__AUTH__HOST: `mongodb://127.0.0.1:27017/warden_int_tls_auth_${suffix}`,
    };
    gateway = await spawnService('auth-gateway', gatewayEnv, 40_000);
    expect(gateway.url).toMatch(/^https:/);
    await until(async () => (await call(`${gateway.url}/ready`, pki.root.cert, { method: 'GET' })).status === 200);
    const tenant = await call(`${gateway.url}/operator/tenants`, pki.root.cert, {
      headers: { authorization: `Bearer ${secrets['CLEARML__SECURE__AUTH__OPERATOR_SECRET']}` },
      body: { company_name: `TLS ${suffix}`, admin: { username: `tls-admin-${suffix}` } },
    });
    expect(tenant.status).toBe(201);
    keys = (tenant.body as { credentials: { access_key: string; secret_key: string } }).credentials;
  }, 90_000);

  afterAll(async () => {
    for (const service of apiservers) await service.stop();
    await gateway?.stop();
    pki.cleanup();
  });

  it('logs in through the apiserver (forwarded over https) and verifies tokens with keys fetched over https', async () => {
    const apiserver = await startApiserver({
      CLEARML__APISERVER__TLS__CA_FILE: pki.root.certFile,
      CLEARML__APISERVER__TLS__CERT_NAME: 'warden.internal',
    });
    // Ready means the verifier holds the gateway's keys and a complete revocation list, both fetched
    // over https; before that the apiserver rightly answers 503.
    await until(async () => (await fetch(`${apiserver.url}/ready`)).status === 200);
    // The apiserver itself serves plain http here; its calls to the gateway are what goes over TLS.
    const answer = await fetch(`${apiserver.url}/auth.login`, { method: 'POST', headers: { authorization: basic() } });
    expect(answer.status).toBe(200);
    const token = ((await answer.json()) as { data: { token: string } }).data.token;
    const projects = await fetch(`${apiserver.url}/projects.get_all`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(projects.status).toBe(200);
  }, 60_000);

  it('refuses the gateway when the expected name is not set: the certificate does not name 127.0.0.1', async () => {
    const apiserver = await startApiserver({ CLEARML__APISERVER__TLS__CA_FILE: pki.root.certFile });
    const answer = await fetch(`${apiserver.url}/auth.login`, { method: 'POST', headers: { authorization: basic() } });
    expect(answer.status).toBe(503);
    expect(((await answer.json()) as { meta: { error_data: { code: string } } }).meta.error_data.code).toBe('ERR_SERVICE_UNAVAILABLE');
  }, 60_000);

  it('refuses the gateway when the private CA is not trusted', async () => {
    const apiserver = await startApiserver({ CLEARML__APISERVER__TLS__CERT_NAME: 'warden.internal' });
    const answer = await fetch(`${apiserver.url}/auth.login`, { method: 'POST', headers: { authorization: basic() } });
    expect(answer.status).toBe(503);
  }, 60_000);

  it("runs the operator's tenant command against its own https gateway, trusting exactly its certificate", async () => {
    const main = resolve(__dirname, '../../../dist/apps/auth-gateway/main.js');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [main, 'tenant', 'create', '--name', `TLS command ${suffix}`, '--admin', `tls-cmd-${suffix}`, '--url', `https://127.0.0.1:${gateway.port}`],
      { env: { PATH: process.env.PATH ?? '', CLEARML_CONFIG_DIR: '/nonexistent-warden-config', ...gatewayEnv } },
    );
    expect(JSON.parse(stdout)).toMatchObject({ admin: { username: `tls-cmd-${suffix}` } });
  }, 60_000);

  it("resumes a TLS session on either of the gateway's workers: Node's cluster shares the first one's ticket keys", async () => {
    const visit = (session?: Buffer) =>
      new Promise<{ reused: boolean; session?: Buffer }>((resolve, reject) => {
        let ticket: Buffer | undefined;
        const socket = connect({ port: gateway.port, host: '127.0.0.1', servername: 'warden.internal', ca: pki.root.cert, session });
        socket.on('session', (t: Buffer) => (ticket = t));
        socket.on('error', reject);
        socket.on('data', () => undefined);
        socket.on('end', () => resolve({ reused: socket.isSessionReused(), session: ticket }));
        socket.end('GET /health HTTP/1.1\r\nHost: warden.internal\r\nConnection: close\r\n\r\n');
      });
    const { session } = await visit();
    expect(session).toBeDefined();
    // New connections go to the workers in turn, so several of these land on the other worker.
    const reused = [];
    for (let i = 0; i < 8; i++) reused.push((await visit(session)).reused);
    expect(reused).toEqual(Array(8).fill(true));
  }, 30_000);

  it('will not start in production with skip_verify', async () => {
    await expect(startApiserver({ CLEARML__APISERVER__TLS__SKIP_VERIFY: 'true' })).rejects.toThrow(
      /exited with 78[\s\S]*apiserver\.tls\.skip_verify is true: not verifying the certificates .* is refused in production/,
    );
  }, 60_000);
});
