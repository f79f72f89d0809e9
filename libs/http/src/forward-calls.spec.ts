import { createServer } from 'node:net';
import { Router } from 'express';
import request from 'supertest';
import { SecretScrubber } from '@warden/secrets';
import { createServiceApp } from './create-app';
import { forwardCalls } from './forward-calls';
import { createLogger } from './logger';
import { CapturedLogs } from './testing/captured-logs';

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('forwarded calls', () => {
  it('answer 503 without the internal address when the upstream is unreachable, and log where it was', async () => {
    const port = await closedPort();
    const logs = new CapturedLogs();
    const scrubber = new SecretScrubber();
    const routes = Router().use(forwardCalls({ target: `http://127.0.0.1:${port}`, paths: /^\/auth\.\w+$/ }));
    const app = createServiceApp({
      logger: createLogger({ name: 't', level: 'info', scrubber, destination: logs }),
      scrubber,
      readiness: [],
      state: { draining: false, warnings: [] },
      exposeStacks: false,
      routes,
    });
    const res = await request(app).post('/auth.login').send({});
    expect([res.status, res.body.meta.error_data.code, res.body.meta.error_stack]).toEqual([503, 'ERR_SERVICE_UNAVAILABLE', null]);
    expect(JSON.stringify(res.body)).not.toContain(String(port));
    expect(logs.text).toContain(`127.0.0.1:${port}`);
  });
});
