import { Router } from 'express';
import mongoose from 'mongoose';
import request from 'supertest';
import { SecretScrubber } from '@warden/secrets';
import { createServiceApp } from './create-app';
import { createLogger } from './logger';
import { CapturedLogs } from './testing/captured-logs';

// The driver's own classes, as mongoose ships them.
const { MongoNetworkError, MongoNotConnectedError, MongoServerSelectionError, MongoTopologyClosedError } = mongoose.mongo;

function appThrowing(error: () => Promise<unknown>) {
  const scrubber = new SecretScrubber();
  const logs = new CapturedLogs();
  const routes = Router();
  routes.get('/call', async () => {
    await error();
  });
  const app = createServiceApp({
    logger: createLogger({ name: 'test', level: 'info', scrubber, destination: logs }),
    scrubber,
    readiness: [],
    state: { draining: false, warnings: [] },
    exposeStacks: false,
    routes,
  });
  return { app, logs };
}

describe('a database that cannot be reached', () => {
  it('answers 503 ERR_SERVICE_UNAVAILABLE, not 500, for a real failed connection', async () => {
    // Port 1 on loopback: nothing listens, the driver gives up after its selection timeout.
    const { app } = appThrowing(async () => {
      const connection = mongoose.createConnection();
      try {
        await connection.openUri('mongodb://127.0.0.1:1/none', { serverSelectionTimeoutMS: 200 });
      } finally {
        await connection.close(true);
      }
    });
    const res = await request(app).get('/call');
    expect([res.status, res.body.meta.error_data.code]).toEqual([503, 'ERR_SERVICE_UNAVAILABLE']);
  });

  it.each([
    ['server selection', () => new MongoServerSelectionError('connect ECONNREFUSED', { type: 'Unknown' } as never)],
    ['network', () => new MongoNetworkError('connection 23 to 127.0.0.1:27017 closed')],
    ['not connected', () => new MongoNotConnectedError('client must be connected')],
    ['topology closed', () => new MongoTopologyClosedError()],
  ])("maps the driver's %s error to 503", async (_label, make) => {
    const { app } = appThrowing(async () => {
      throw make();
    });
    const res = await request(app).get('/call');
    expect([res.status, res.body.meta.error_data.code]).toEqual([503, 'ERR_SERVICE_UNAVAILABLE']);
  });

  it('still answers any other error with 500', async () => {
    const { app, logs } = appThrowing(async () => {
      throw Object.assign(new Error('duplicate key'), { name: 'MongoServerError' });
    });
    const res = await request(app).get('/call');
    expect(res.status).toBe(500);
    expect(logs.text).toContain('unhandled error');
  });
});
