import type { Connection } from 'mongoose';
import { AuditTrail } from './audit-trail';
import { openTestDatabase } from './testing/test-backends';

describe('AuditTrail (real FerretDB)', () => {
  let db: { connection: Connection; drop: () => Promise<void> };

  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('buffers events, writes them in one insertMany and lists them newest first', async () => {
    const trail = new AuditTrail({ connection: db.connection, flushIntervalMs: 60_000 });
    const inserts = jest.spyOn(db.connection.models.IdentityAuthEvent, 'insertMany');
    const t0 = Date.UTC(2024, 0, 1);
    trail.record({
      type: 'login',
      outcome: 'failure',
      at: new Date(t0),
      username: 'ada',
      company: 'c1',
      client_ip: '10.0.0.1',
      reason: 'ERR_INVALID_CREDENTIALS',
    });
    trail.record({ type: 'login', outcome: 'success', at: new Date(t0 + 1000), user: 'u1', company: 'c1', method: 'password' });
    trail.record({ type: 'credentials.create', outcome: 'success', at: new Date(t0 + 2000), user: 'u1', company: 'c1', access_key: 'AK1' });
    trail.record({ type: 'login', outcome: 'success', at: new Date(t0 + 3000), user: 'u2', company: 'c2' });
    expect(await db.connection.collection('auth_events').countDocuments()).toBe(0);

    await trail.flush();
    expect(inserts).toHaveBeenCalledTimes(1);
    inserts.mockRestore();

    const c1 = await trail.list({ company: 'c1' });
    expect(c1.map((e) => e.type)).toEqual(['credentials.create', 'login', 'login']);
    expect(c1[2]).toEqual({
      type: 'login',
      outcome: 'failure',
      at: new Date(t0),
      username: 'ada',
      company: 'c1',
      client_ip: '10.0.0.1',
      reason: 'ERR_INVALID_CREDENTIALS',
    });
    expect((await trail.list({ user: 'u1', limit: 1 })).map((e) => e.type)).toEqual(['credentials.create']);
    expect((await trail.list({})).map((e) => e.user ?? null)).toEqual(['u2', 'u1', 'u1', null]);
    await trail.close();
  });

  it('flushes on its own after the interval, and on close', async () => {
    const trail = new AuditTrail({ connection: db.connection, flushIntervalMs: 20 });
    trail.record({ type: 'logout', outcome: 'success', company: 'timer' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await db.connection.collection('auth_events').countDocuments({ company: 'timer' })).toBe(1);
    trail.record({ type: 'logout', outcome: 'success', company: 'timer' });
    await trail.close();
    expect(await db.connection.collection('auth_events').countDocuments({ company: 'timer' })).toBe(2);
  });

  it('keeps free text out of reason, so a secret cannot be written there', async () => {
    const trail = new AuditTrail({ connection: db.connection, flushIntervalMs: 60_000 });
    trail.record({ type: 'login', outcome: 'failure', company: 'reason', reason: 'password was hunter2' });
    await trail.close();
    const [event] = await trail.list({ company: 'reason' });
    expect(event.reason).toBe('unlisted');
    expect(JSON.stringify(await db.connection.collection('auth_events').find().toArray())).not.toContain('hunter2');
  });

  it('never throws into the caller and drops the oldest events when Mongo is down', async () => {
    const down = await openTestDatabase();
    await down.drop();
    const errors: unknown[] = [];
    const trail = new AuditTrail({ connection: down.connection, flushIntervalMs: 60_000, maxBuffer: 3, onError: (e) => errors.push(e) });
    for (let i = 0; i < 5; i++) expect(() => trail.record({ type: 'login', outcome: 'failure', username: `u${i}` })).not.toThrow();
    expect(trail.dropped).toBe(2);
    await expect(trail.flush()).rejects.toThrow();
    await trail.close();
    expect(errors.length).toBeGreaterThan(0);
    expect(trail.dropped).toBe(2);
  });
});
