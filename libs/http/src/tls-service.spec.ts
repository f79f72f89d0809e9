import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { Router } from 'express';
import { z } from 'zod';
import { LOGGING_DEFAULTS, loggingSchema, serviceDefaults, serviceSchema } from '@warden/config';
import { TestPki } from '@warden/tls/testing';
import { setAuthCookies } from './web';
import type { ServiceDefinition, StartResult } from './service-main';
import { CapturedLogs, startInIsolation } from './testing';

// A service with nothing but the kit: what every app gets from `<service>.tls.*`.
const schema = z.object({ demo: serviceSchema(), logging: loggingSchema });
type DemoConfig = z.infer<typeof schema>;
const DEMO_PORT = 65_001;

const demo: ServiceDefinition<DemoConfig> = {
  app: 'auth-gateway',
  schema,
  keys: { owned: ['demo'] },
  defaults: { demo: { ...serviceDefaults(DEMO_PORT), metrics: { enabled: false, listen_ip: '127.0.0.1', listen_port: 0 } }, logging: LOGGING_DEFAULTS },
  listener: (config) => config.demo,
  section: 'demo',
  // 0: any free port, so the test sees the TLS default win over the plain one without taking 8443.
  tlsDefaultPort: 0,
  start: async () => {
    const routes = Router();
    routes.get('/login-cookie', (req, res) => {
      setAuthCookies(
        req,
        res,
        { name: 'clearml_token_basic', httponly: true, secure: false, domain: null, samesite: 'Lax', max_age: 3600 },
        'token-value',
        'csrf-value',
        60,
      );
      res.json({ ok: true });
    });
    return { routes, readiness: [] };
  },
};

type Running = Exclude<StartResult, { exitCode: number }>;

function get(port: number, path: string, options: ConnectionOptions) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string; fingerprint: string }>((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, agent: false, ...options }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          fingerprint: (res.socket as TLSSocket).getPeerCertificate().fingerprint256,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the service kit over TLS', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = new TestPki();
  });
  afterAll(() => pki.cleanup());

  const tlsEnv = (cert: string, key: string, extra: Record<string, string> = {}) => ({
    CLEARML__DEMO__TLS__CERT: cert,
    CLEARML__DEMO__TLS__KEY: key,
    ...extra,
  });

  describe('serving', () => {
    let running: Running;
    let logs: CapturedLogs;
    let trust: ConnectionOptions;

    beforeAll(async () => {
      const leaf = pki.leaf('demo', { dns: ['warden.internal'], toDays: 10 });
      logs = new CapturedLogs();
      const { result, errors } = await startInIsolation(demo, tlsEnv(pki.fullChain(leaf, 'demo-chain.pem'), leaf.keyFile), { destination: logs });
      if ('exitCode' in result) throw new Error(errors);
      running = result;
      trust = { ca: pki.root.cert, servername: 'warden.internal' };
    });
    afterAll(() => running.shutdown('test'));

    it('listens on the TLS default port unless the port is configured, and logs https', () => {
      expect(running.port).not.toBe(DEMO_PORT);
      expect(logs.text).toMatch(/"url":"https:\/\/127\.0\.0\.1:\d+"/);
    });

    it('serves https to a client that trusts the private root, with HSTS', async () => {
      const answer = await get(running.port, '/health', trust);
      expect(answer.status).toBe(200);
      expect(answer.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    });

    it('marks cookies Secure over TLS even where ClearML-style settings say secure: false', async () => {
      const answer = await get(running.port, '/login-cookie', trust);
      const cookies = answer.headers['set-cookie'] as string[];
      expect(cookies).toHaveLength(2);
      for (const cookie of cookies) expect(cookie).toMatch(/; Secure/);
    });

    it('warns on /ready (still 200) when the certificate ends within 14 days', async () => {
      const answer = await get(running.port, '/ready', trust);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).warnings.join('\n')).toMatch(/the TLS certificate \(demo\.tls\.cert\) expires on .* in \d days: renew it/);
    });

    it('refuses TLS 1.0 and 1.1 clients', async () => {
      for (const version of ['TLSv1', 'TLSv1.1'] as const) {
        await expect(get(running.port, '/health', { ...trust, minVersion: version, maxVersion: version })).rejects.toThrow();
      }
      await expect(get(running.port, '/health', { ...trust, maxVersion: 'TLSv1.2' })).resolves.toMatchObject({ status: 200 });
    });

    it('offers TLS 1.2 clients forward-secret AEAD suites only (no CBC, which Node would take by default)', async () => {
      const cbc = { ...trust, maxVersion: 'TLSv1.2' as const, ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384' };
      await expect(get(running.port, '/health', cbc)).rejects.toThrow(/handshake failure|no shared cipher/);
      await expect(get(running.port, '/health', { ...cbc, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).resolves.toMatchObject({ status: 200 });
    });

    it('is not verified by a client that trusts only the public roots', async () => {
      await expect(get(running.port, '/health', { servername: 'warden.internal' })).rejects.toThrow(/self-signed certificate in certificate chain/);
    });
  });

  describe('bad input on the TLS port', () => {
    let running: Running;
    let logs: CapturedLogs;
    beforeAll(async () => {
      const leaf = pki.leaf('bad-input', { dns: ['warden.internal'] });
      logs = new CapturedLogs();
      const { result, errors } = await startInIsolation(demo, tlsEnv(pki.fullChain(leaf, 'bad-input-chain.pem'), leaf.keyFile), { destination: logs });
      if ('exitCode' in result) throw new Error(errors);
      running = result;
    });
    afterAll(() => running.shutdown('test'));

    const rawExchange = (bytes: Buffer | string, endAfterMs = 200) =>
      new Promise<void>((resolve) => {
        const socket = netConnect(running.port, '127.0.0.1');
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.on('connect', () => {
          socket.write(bytes);
          setTimeout(() => socket.destroy(), endAfterMs);
        });
      });

    it('survives plain HTTP, a truncated handshake and a wrong SNI, and logs each peer once a minute', async () => {
      for (let i = 0; i < 5; i++) await rawExchange('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      // The first bytes of a ClientHello, then the peer goes away.
      await rawExchange(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
      const wrongName = await new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: running.port, servername: 'other.example', ca: pki.root.cert });
        socket.on('error', (error) => resolve(error.message));
        socket.on('secureConnect', () => resolve('connected'));
      });
      expect(wrongName).toMatch(/Hostname\/IP does not match certificate's altnames/);
      const answer = await get(running.port, '/health', { ca: pki.root.cert, servername: 'warden.internal' });
      expect(answer.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const failures = logs.lines.filter((line) => line.includes('TLS handshake failed'));
      expect(failures).toHaveLength(1);
      expect(failures[0]).toContain('"reason":"plain_http"');
      expect(failures[0]).toMatch(/"peer":"(::ffff:)?127\.0\.0\.1"/);
    });
  });

  describe('refusals at start-up', () => {
    const start = async (env: Record<string, string>) => {
      const { result, errors } = await startInIsolation(demo, { CLEARML__DEMO__LISTEN_PORT: '0', ...env }, { destination: new CapturedLogs() });
      if (!('exitCode' in result)) {
        await result.shutdown('test');
        throw new Error('the service started');
      }
      expect(result.exitCode).toBe(78);
      return errors;
    };

    it('refuses a private-CA leaf without its chain', async () => {
      const leaf = pki.leaf('start-alone');
      expect(await start(tlsEnv(leaf.certFile, leaf.keyFile))).toMatch(
        /ERR_TLS_CERTIFICATE: demo\.tls: .*not a well-known CA.*does not contain the chain up to its root/,
      );
    });

    it('refuses a key that does not match', async () => {
      const leaf = pki.leaf('start-mine');
      const other = pki.leaf('start-other');
      expect(await start(tlsEnv(pki.fullChain(leaf, 'start-mine.pem'), other.keyFile))).toContain('does not match the certificate');
    });

    it('refuses an expired and a not-yet-valid certificate', async () => {
      const old = pki.leaf('start-old', { fromDays: -20, toDays: -1 });
      expect(await start(tlsEnv(pki.fullChain(old, 'start-old.pem'), old.keyFile))).toMatch(/expired on/);
      const future = pki.leaf('start-future', { fromDays: 1 });
      expect(await start(tlsEnv(pki.fullChain(future, 'start-future.pem'), future.keyFile))).toMatch(/not valid yet/);
    });

    it('refuses an unreadable file and half a pair', async () => {
      expect(await start(tlsEnv('/nonexistent/cert.pem', '/nonexistent/key.pem'))).toContain(
        'cert file /nonexistent/cert.pem (demo.tls.cert) cannot be read (ENOENT)',
      );
      expect(await start({ CLEARML__DEMO__TLS__CERT: pki.root.certFile })).toContain('demo.tls.key: set both tls.cert and tls.key');
    });

    it('refuses skip_verify in production with what to set instead', async () => {
      const errors = await start({ NODE_ENV: 'production', CLEARML__DEMO__TLS__SKIP_VERIFY: 'true' });
      expect(errors).toContain('demo.tls.skip_verify is true: not verifying the certificates of the services this one calls is refused in production');
      expect(errors).toContain('Set demo.tls.ca_file');
    });

    it('refuses an unreadable CA file', async () => {
      expect(await start({ CLEARML__DEMO__TLS__CA_FILE: '/nonexistent/ca.pem' })).toContain(
        'demo.tls.ca_file: CA file /nonexistent/ca.pem cannot be read (ENOENT)',
      );
    });
  });
});
