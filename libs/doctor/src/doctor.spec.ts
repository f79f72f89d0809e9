import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '@warden/config';
import { TestPki } from '@warden/tls/testing';
import { generateSecretSet } from '@warden/secrets';
import { backendPorts, runDoctor, runningFacts, type CheckId } from './index';

// What a real service answers: ClearML's login modes, a fileserver that wants a token or not, CORS or not.
interface Behaviour {
  freeAccess?: boolean;
  filesOpen?: boolean;
  corsOpen?: boolean;
}

function fakeDeployment(behaviour: Behaviour, tls?: { cert: string; key: string }): Promise<Server> {
  const handler: RequestListener = (req, res) => {
    if (behaviour.corsOpen && req.headers.origin) res.setHeader('Access-Control-Allow-Origin', req.headers.origin);
    if (req.url?.endsWith('/login.supported_modes')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ meta: {}, data: { basic: { enabled: true }, login_methods: { free_access: behaviour.freeAccess === true } } }));
      return;
    }
    res.statusCode = behaviour.filesOpen ? 404 : 401;
    res.end();
  };
  const server = tls ? createHttpsServer(tls, handler) : createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const urlOf = (server: Server, scheme = 'http') => `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
const failed = (results: { check: CheckId; status: string }[]) => results.filter((r) => r.status === 'fail').map((r) => r.check);
const externalAddress = Object.values(networkInterfaces())
  .flatMap((l) => l ?? [])
  .find((a) => !a.internal && a.family === 'IPv4')?.address;

describe('doctor probes (real sockets on this machine)', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  async function probe(behaviour: Behaviour) {
    const server = await fakeDeployment(behaviour);
    servers.push(server);
    const url = urlOf(server);
    return runDoctor(['--api-url', url, '--web-url', url, '--files-url', url], {});
  }

  it('passes a deployment that refuses free access, unknown origins and anonymous downloads', async () => {
    const run = await probe({});
    expect(failed(run.results)).toEqual([]);
    expect(run.report).toMatch(/^PASS {2}fileserver authentication on: .*a download without credentials is refused \(401\)$/m);
  });

  it.each<[string, Behaviour, CheckId]>([
    ['free access', { freeAccess: true }, 'web-login'],
    ['anonymous downloads', { filesOpen: true }, 'fileserver-auth'],
    ['CORS for any origin', { corsOpen: true }, 'cors'],
  ])('fails %s, and only that', async (_name, behaviour, check) => {
    const run = await probe(behaviour);
    expect(failed(run.results)).toEqual([check]);
    expect(run.exitCode).toBe(1);
  });

  it("verifies https certificates: passes with the deployment's CA file, fails without it", async () => {
    const pki = new TestPki('Doctor');
    try {
      const leaf = pki.leaf('server', { dns: ['warden.example.org'] });
      const server = await fakeDeployment({}, { cert: leaf.cert + pki.intermediate.cert, key: leaf.key });
      servers.push(server);
      const url = urlOf(server, 'https');
      const trusted = await runDoctor(['--api-url', url, '--ca-file', pki.root.certFile, '--cert-name', 'warden.example.org'], {});
      expect(failed(trusted.results)).toEqual([]);
      const untrusted = await runDoctor(['--api-url', url], {});
      expect(failed(untrusted.results)).toEqual(['web-login', 'cors']);
      expect(untrusted.report).toMatch(/login\.supported_modes answered no answer \(.*certificate/);
    } finally {
      pki.cleanup();
    }
  });

  it('fails plain http on a non-loopback address, and a backing-service port answering there', async () => {
    if (!externalAddress) throw new Error('this machine has no non-loopback IPv4 address to test with');
    const listener = createTcpServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listener.listen(0, externalAddress, resolve));
    const port = (listener.address() as AddressInfo).port;
    try {
      const run = await runDoctor(['--files-url', `http://${externalAddress}:${port}`], {});
      expect(run.results.find((r) => r.check === 'tls')?.status).toBe('fail');
      // The port is only tried when the config names it, as a running app's config does.
      const named = await runDoctor(['--files-url', `https://${externalAddress}:1`], {
        running: { facts: { input: 'test', apps: [], findings: [] }, backendPorts: [port] },
      });
      expect(named.report).toContain(`✗ ${externalAddress}:${port} accepts connections from here`);
    } finally {
      listener.close();
    }
  });
});

describe('doctor over a running config', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'warden-doctor-cwd-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const DEFAULTS = {
    auth_gateway: { listen_ip: '127.0.0.1', login: { free_access: false }, tls: { cert: null, skip_verify: false }, cors: { allowed_origins: [] } },
    hosts: { redis: { apiserver: { host: '127.0.0.1', port: 6390 } }, mongo: { backend: { host: 'mongodb://127.0.0.1:27117/backend' } } },
  };
  const secrets = Object.fromEntries(generateSecretSet().map((s) => [s.envVar, s.value]));
  const run = (env: Record<string, string>) => {
    const resolved = resolveConfig({ app: 'auth-gateway', defaults: DEFAULTS, env: { ...secrets, ...env }, cwd: dir });
    return runDoctor([], { running: { facts: runningFacts('auth-gateway', resolved), backendPorts: backendPorts(resolved) } });
  };

  it('passes production with generated secrets; reports development mode as what a dev stack lacks', async () => {
    expect(failed((await run({ NODE_ENV: 'production' })).results)).toEqual([]);
    expect(failed((await run({})).results)).toEqual(['production-mode']);
  });

  it.each<[string, Record<string, string>, CheckId]>([
    ['free access', { CLEARML__AUTH_GATEWAY__LOGIN__FREE_ACCESS: 'true' }, 'web-login'],
    ['a cleartext listener on every address', { CLEARML__AUTH_GATEWAY__LISTEN_IP: '0.0.0.0' }, 'tls'],
    ['skip_verify', { CLEARML__AUTH_GATEWAY__TLS__SKIP_VERIFY: 'true' }, 'skip-verify'],
    ['a wildcard origin', { CLEARML__AUTH_GATEWAY__CORS__ALLOWED_ORIGINS: '["*"]' }, 'cors'],
    ['a short token secret', { CLEARML__SECURE__AUTH__TOKEN_SECRET: 'tooShortToBeAToken' }, 'secrets'],
  ])('finds %s, and only that, never printing a secret', async (_name, env, check) => {
    const result = await run({ NODE_ENV: 'production', ...env });
    expect(failed(result.results)).toEqual([check]);
    for (const value of [...Object.values(secrets), 'tooShortToBeAToken']) expect(result.report).not.toContain(value);
  });

  it('takes the backing-service ports the config names', () => {
    const resolved = resolveConfig({ app: 'auth-gateway', defaults: DEFAULTS, env: {}, cwd: dir });
    expect(backendPorts(resolved).sort()).toEqual([27117, 6390]);
  });
});
