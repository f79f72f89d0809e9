import { Router } from 'express';
import request from 'supertest';
import { SecretScrubber } from '@warden/secrets';
import { ClearmlApi } from './clearml-api/clearml-api';
import { createServiceApp } from './create-app';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { CapturedLogs } from './testing/captured-logs';

describe('request metrics', () => {
  it('labels requests by route pattern or ClearML endpoint name, never by raw path', async () => {
    const metrics = createMetrics('test');
    const api = new ClearmlApi<undefined>({ authenticate: async () => undefined });
    api.endpoint('tasks.get_all', { auth: 'none' }, async () => ({ tasks: [] }));
    const routes = Router();
    routes.get('/files/:name', (_req, res) => res.end());
    routes.use(api.router);
    const scrubber = new SecretScrubber();
    const logger = createLogger({ name: 'test', level: 'info', scrubber, destination: new CapturedLogs() });
    const app = createServiceApp({ logger, scrubber, readiness: [], state: { draining: false, warnings: [] }, metrics, exposeStacks: false, routes });

    await request(app).get('/v2.13/tasks.get_all').expect(200);
    await request(app).get('/tasks.GET_ALL').expect(200);
    await request(app).get('/files/secret-object-name').expect(200);
    await request(app).get('/no.such_endpoint').expect(404);

    const text = await metrics.registry.metrics();
    const counts = text.split('\n').filter((line) => line.startsWith('http_request_duration_seconds_count'));
    expect(counts).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/route="tasks\.get_all",status="200".* 2$/),
        expect.stringMatching(/route="\/files\/:name",status="200".* 1$/),
        expect.stringMatching(/route="unmatched",status="404".* 1$/),
      ]),
    );
    expect(text).not.toContain('secret-object-name');
    expect(text).not.toContain('no.such_endpoint');
  });
});
