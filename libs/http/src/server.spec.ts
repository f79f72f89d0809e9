import { request as httpRequest } from 'node:http';
import { Router } from 'express';
import { SecretScrubber } from '@warden/secrets';
import { createServiceApp } from './create-app';
import { createLogger } from './logger';
import { listen } from './server';
import { CapturedLogs } from './testing/captured-logs';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new connections, then runs close hooks', async () => {
    const routes = Router();
    routes.get('/slow', (_req, res) => {
      setTimeout(() => res.json({ done: true }), 400);
    });
    const logs = new CapturedLogs();
    const scrubber = new SecretScrubber();
    const logger = createLogger({ name: 'test', level: 'info', scrubber, destination: logs });
    const state = { draining: false, warnings: [] };
    const app = createServiceApp({ logger, scrubber, readiness: [], state, exposeStacks: false, routes });
    const closed: string[] = [];
    const running = await listen({
      app,
      host: '127.0.0.1',
      port: 0,
      logger,
      state,
      shutdownTimeoutMs: 5000,
      onClose: [async () => void closed.push('backends')],
    });

    const inFlight = get(running.port, '/slow');
    await new Promise((r) => setTimeout(r, 100));
    const stopping = running.shutdown('SIGTERM');
    expect(state.draining).toBe(true);
    await expect(get(running.port, '/health')).rejects.toThrow(/ECONNREFUSED/);
    expect(closed).toEqual([]);

    await expect(inFlight).resolves.toEqual({ status: 200, body: '{"done":true}' });
    await stopping;
    expect(closed).toEqual(['backends']);
    expect(logs.text).toContain('shutting down');
  });

  it('cuts connections that outlive the shutdown timeout', async () => {
    const routes = Router();
    routes.get('/never', () => undefined);
    const scrubber = new SecretScrubber();
    const logger = createLogger({ name: 'test', level: 'silent', scrubber });
    const state = { draining: false, warnings: [] };
    const app = createServiceApp({ logger, scrubber, readiness: [], state, exposeStacks: false, routes });
    const running = await listen({ app, host: '127.0.0.1', port: 0, logger, state, shutdownTimeoutMs: 200 });
    const hanging = get(running.port, '/never').catch((e: Error) => e.message);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await running.shutdown('SIGTERM');
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(hanging).resolves.toMatch(/socket hang up|ECONNRESET/);
  });

  it('finishes shutting down when a close hook never settles', async () => {
    const scrubber = new SecretScrubber();
    const logger = createLogger({ name: 'test', level: 'silent', scrubber });
    const state = { draining: false, warnings: [] };
    const app = createServiceApp({ logger, scrubber, readiness: [], state, exposeStacks: false, routes: Router() });
    const after: string[] = [];
    const onClose = [() => new Promise<void>(() => undefined), async () => void after.push('next hook ran')];
    const running = await listen({ app, host: '127.0.0.1', port: 0, logger, state, shutdownTimeoutMs: 200, onClose });
    const started = Date.now();
    await running.shutdown('SIGTERM');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(after).toEqual(['next hook ran']);
  });
});

describe('request and response classes', () => {
  it("gives hot paths Express's methods without swapping prototypes, and routed requests still work", async () => {
    const routes = Router();
    routes.get('/routed', (req, res) => void res.set('X-Seen', String(req.get('X-Probe'))).json({ routed: true }));
    const seen: { swapped: boolean; probe?: string; app: boolean }[] = [];
    const scrubber = new SecretScrubber();
    const logger = createLogger({ name: 'test', level: 'silent', scrubber });
    const state = { draining: false, warnings: [] };
    const app = createServiceApp({
      logger,
      scrubber,
      readiness: [],
      state,
      exposeStacks: false,
      routes,
      fastRoutes: (req) =>
        req.url === '/fast'
          ? [
              (fastReq, res) => {
                seen.push({ swapped: Object.getPrototypeOf(fastReq) === app.request, probe: fastReq.get('X-Probe'), app: fastReq.app === app });
                res.status(201).json({ fast: true });
              },
            ]
          : undefined,
    });
    const running = await listen({ app, host: '127.0.0.1', port: 0, logger, state, shutdownTimeoutMs: 1000 });
    try {
      const send = (path: string) =>
        new Promise<{ status: number; seen?: string; body: string }>((resolve, reject) => {
          httpRequest({ host: '127.0.0.1', port: running.port, path, headers: { 'X-Probe': 'p1' }, agent: false }, (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, seen: res.headers['x-seen'] as string | undefined, body }));
          })
            .on('error', reject)
            .end();
        });
      expect(await send('/fast')).toMatchObject({ status: 201, body: '{"fast":true}' });
      expect(seen).toEqual([{ swapped: false, probe: 'p1', app: true }]);
      expect(await send('/routed')).toEqual({ status: 200, seen: 'p1', body: '{"routed":true}' });
    } finally {
      await running.shutdown('test');
    }
  });
});
